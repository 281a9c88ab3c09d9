package config

import "reflect"

// FillDefaults sets every size, count and duration that is zero or negative
// to its Default() value, leaving flags, strings, keys and Port (0 there
// means "pick a free port") alone. Packages that accept a Config from an
// embedder who skipped Validate call it instead of each keeping its own list
// of fallbacks.
func (c *Config) FillDefaults() {
	def := reflect.ValueOf(Default())
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if t.Field(i).Name == "Port" {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			if f.Int() <= 0 {
				f.SetInt(def.Field(i).Int())
			}
		case reflect.Uint64:
			if f.Uint() == 0 {
				f.SetUint(def.Field(i).Uint())
			}
		}
	}
}
