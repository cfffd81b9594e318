package config

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// EnvPrefix starts the name of every environment variable that sets a key.
const EnvPrefix = "BANTIN_"

// EnvConfigFile is the one BANTIN_* variable that is not a key: the command
// may read the config file's path from it. Load ignores it rather than
// reporting it as unknown.
const EnvConfigFile = "BANTIN_CONFIG"

// EnvTestPrefix starts variables that only tests read, such as
// BANTIN_TEST_POSTGRES. Load ignores them so that a machine set up to run
// the tests can still run bantin.
const EnvTestPrefix = "BANTIN_TEST_"

// EnvName returns the environment variable that overrides key:
// "http.addr" gives "BANTIN_HTTP_ADDR".
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// applyEnv sets c's fields from the BANTIN_* variables in environ and
// records in origin which variable set which key. It returns a problem for
// every unknown variable and every value that does not parse; a bad value
// leaves the field as it was.
func applyEnv(c *Config, environ []string, origin map[string]string) ValidationErrors {
	targets := map[string]leaf{}
	var suffixes []string // names without the prefix, for suggestions
	for _, l := range leaves(reflect.TypeFor[Config]()) {
		name := EnvName(l.key)
		targets[name] = l
		suffixes = append(suffixes, strings.TrimPrefix(name, EnvPrefix))
	}

	// The first of repeated entries wins, as with os.Getenv.
	vars := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || name == EnvConfigFile || strings.HasPrefix(name, EnvTestPrefix) {
			continue
		}
		if _, dup := vars[name]; !dup {
			vars[name] = value
		}
	}
	order := make([]string, 0, len(vars))
	for name := range vars {
		order = append(order, name)
	}
	sort.Strings(order)

	var errs ValidationErrors
	root := reflect.ValueOf(c).Elem()
	for _, name := range order {
		l, ok := targets[name]
		if !ok {
			errs = append(errs, FieldError{
				Source: name,
				Reason: "unknown variable" + suggest(strings.TrimPrefix(name, EnvPrefix), suffixes,
					func(s string) string { return EnvPrefix + s }),
			})
			continue
		}
		v := root.FieldByIndex(l.index)
		if fe := setEnv(v, l.key, name, vars[name]); len(fe) > 0 {
			errs = append(errs, fe...)
			continue
		}
		for k := range origin {
			if k == l.key || strings.HasPrefix(k, l.key+".") || strings.HasPrefix(k, l.key+"[") {
				delete(origin, k)
			}
		}
		origin[l.key] = name
	}
	return errs
}

var envYAMLPrefix = regexp.MustCompile(`^\d*:? *`)

// setEnv sets v, the value of key, from the value of the variable name. A
// list is comma-separated values, or a YAML flow sequence when it starts
// with "[" (for values holding commas, or list entries that are mappings).
// v is only changed if the whole value is good.
func setEnv(v reflect.Value, key, name, value string) ValidationErrors {
	tmp := reflect.New(v.Type()).Elem()
	tmp.Set(v)
	var errs ValidationErrors
	switch {
	case isText(v.Type()):
		if strings.TrimSpace(value) == "" && v.Kind() != reflect.String {
			errs = append(errs, FieldError{Key: key, Source: name, Reason: "empty value; unset the variable to keep the default"})
			break
		}
		if err := setText(tmp, value); err != nil {
			errs = append(errs, FieldError{Key: key, Source: name, Reason: err.Error()})
		}
	case v.Kind() == reflect.Slice && strings.HasPrefix(strings.TrimSpace(value), "["):
		d := &decoder{file: name, origin: map[string]string{}}
		root, err := parseYAML([]byte(value), name)
		if err != nil {
			// Drop parseYAML's "NAME:line: ": the line of a one-line value is noise.
			msg := envYAMLPrefix.ReplaceAllString(strings.TrimPrefix(err.Error(), name+":"), "")
			errs = append(errs, FieldError{Key: key, Source: name, Reason: "not a valid YAML list: " + msg})
			break
		}
		if root != nil {
			d.decode(tmp, root, key)
		}
		for _, fe := range d.sortedErrors() {
			fe.Source = name // a line number within a variable is noise
			errs = append(errs, fe)
		}
	case v.Kind() == reflect.Slice && isText(v.Type().Elem()):
		var parts []string
		for p := range strings.SplitSeq(value, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		tmp.Set(reflect.Zero(v.Type()))
		if len(parts) > 0 {
			tmp.Set(reflect.MakeSlice(v.Type(), len(parts), len(parts)))
		}
		for i, p := range parts {
			if err := setText(tmp.Index(i), p); err != nil {
				errs = append(errs, FieldError{Key: key + "[" + strconv.Itoa(i) + "]", Source: name, Reason: err.Error()})
			}
		}
	default:
		errs = append(errs, FieldError{Key: key, Source: name, Reason: "cannot be set from the environment"})
	}
	if len(errs) == 0 {
		v.Set(tmp)
	}
	return errs
}
