package config

import (
	"math"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    ByteSize
		wantErr string // substring; "" means no error
	}{
		{in: "0", want: 0},
		{in: "2097152", want: 2 * MB},
		{in: "2MB", want: 2 * MB},
		{in: "2mb", want: 2 * MB},
		{in: "2 MB", want: 2 * MB},
		{in: " 2MiB ", want: 2 * MB},
		{in: "2M", want: 2 * MB},
		{in: "512KiB", want: 512 * KB},
		{in: "512KB", want: 512 * KB},
		{in: "512k", want: 512 * KB},
		{in: "1GB", want: GB},
		{in: "1gib", want: GB},
		{in: "3TB", want: 3 * TB},
		{in: "100B", want: 100},
		{in: "100b", want: 100},
		{in: "1.5MB", want: 3 * MB / 2},
		{in: "0.5KB", want: 512},
		{in: "1.1MB", want: 1153434}, // 1153433.6 rounded, not truncated by float error
		{in: "0.0001KB", want: 0},    // 0.1024 bytes
		{in: "0.0005KB", want: 1},    // 0.512 bytes
		{in: "1.", want: 1},
		{in: ".5KB", want: 512},
		{in: "9223372036854775807", want: math.MaxInt64},
		{in: "8388607TB", want: 8388607 * TB},

		{in: "", wantErr: "use a number of bytes"},
		{in: "   ", wantErr: "use a number of bytes"},
		{in: "MB", wantErr: "use a number of bytes"},
		{in: ".", wantErr: "use a number of bytes"},
		{in: "-1", wantErr: "use a number of bytes"},
		{in: "-1MB", wantErr: "use a number of bytes"},
		{in: "2XB", wantErr: `unknown unit "XB"`},
		{in: "2 M B", wantErr: "unknown unit"},
		{in: "1e3", wantErr: `unknown unit "e3"`},
		{in: "0x10", wantErr: "unknown unit"},
		{in: "1.2.3MB", wantErr: "invalid size"},
		{in: "9223372036854775808", wantErr: "too large"},
		{in: "8388608TB", wantErr: "too large"},
		{in: "99999999999999999999999TB", wantErr: "too large"},
		{in: "9999999999.5TB", wantErr: "too large"},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseByteSize(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{1000, "1000B"},
		{1536, "1536B"},
		{KB, "1KB"},
		{1536 * KB, "1536KB"},
		{2 * MB, "2MB"},
		{GB, "1GB"},
		{5 * TB, "5TB"},
		{-2 * MB, "-2MB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestByteSizeYAML(t *testing.T) {
	var v struct {
		A ByteSize `yaml:"a"`
		B ByteSize `yaml:"b"`
	}
	if err := yaml.Unmarshal([]byte("a: 2MB\nb: 2097152\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 2*MB || v.B != 2*MB {
		t.Errorf("got %d, %d; want both %d", v.A, v.B, 2*MB)
	}
	if err := yaml.Unmarshal([]byte("a: [1]\n"), &v); err == nil {
		t.Error("a list decoded into a ByteSize")
	}
	if err := yaml.Unmarshal([]byte("a: 2XB\n"), &v); err == nil {
		t.Error("2XB decoded into a ByteSize")
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "a: 2MB\nb: 2MB\n" {
		t.Errorf("yaml.Marshal = %q, %v", out, err)
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"2MB", "512KiB", "2097152", "1.5GB", "0.0005KB", "9223372036854775807", "", "-1", "1.2.3", " 7 t "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseByteSize(%q) = %d, negative", s, n)
		}
		back, err := ParseByteSize(n.String())
		if err != nil || back != n {
			t.Fatalf("ParseByteSize(%q) = %d; its String %q parses as %d, %v", s, n, n.String(), back, err)
		}
	})
}
