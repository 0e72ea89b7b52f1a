package main

import (
	"encoding/json"
	"fmt"
	"os"

	"gopkg.in/yaml.v2"
)

// readValues parses a values file the way Helm does (sigs.k8s.io/yaml: YAML -> JSON -> Go):
// maps have string keys and every number is a float64, so templates see what Helm's see.
func readValues(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseValues(data)
}

func parseValues(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	converted, err := jsonCompatible(raw)
	if err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(converted)
	if err != nil {
		return nil, err
	}
	var out map[string]interface{}
	if err := json.Unmarshal(encoded, &out); err != nil {
		return nil, fmt.Errorf("values must be a map: %v", err)
	}
	return out, nil
}

// jsonCompatible turns yaml.v2's map[interface{}]interface{} into map[string]interface{}.
func jsonCompatible(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, item := range t {
			key, ok := k.(string)
			if !ok {
				key = fmt.Sprint(k)
			}
			c, err := jsonCompatible(item)
			if err != nil {
				return nil, err
			}
			out[key] = c
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, item := range t {
			c, err := jsonCompatible(item)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// coalesce merges user values over the chart's defaults as Helm's chartutil.CoalesceValues
// does: maps merge key by key, anything else in `user` replaces the default, and a null in
// `user` deletes the key.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		userMap, userIsMap := v.(map[string]interface{})
		defaultMap, defaultIsMap := out[k].(map[string]interface{})
		if userIsMap && defaultIsMap {
			out[k] = coalesce(userMap, defaultMap)
		} else {
			out[k] = v
		}
	}
	return out
}
