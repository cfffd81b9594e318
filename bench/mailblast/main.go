// Command mailblast sends pre-built digest-sized messages through the
// mailer package as fast as it goes, to compare its throughput with
// Postfix's smtp-source against the same server:
//
//	smtp-sink -u nobody 127.0.0.1:2525 1000 &
//	smtp-source -s 4 -m 20000 -l 18000 -d 127.0.0.1:2525
//	go run ./bench/mailblast -addr 127.0.0.1:2525 -c 4 -m 20000 -l 18000
//
// Each message is built the way digests are: a body shared by all, encoded
// once, between a greeting and an unsubscribe link made for each
// recipient. It prints messages per second, the CPU time used (steadier
// than the wall clock on a busy machine) and the peak resident memory.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bantin/bantin/mailer"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "SMTP server, host:port")
	messages := flag.Int("m", 20000, "messages to send")
	conns := flag.Int("c", 4, "SMTP connections")
	workers := flag.Int("w", 0, "goroutines sending (0: twice -c)")
	size := flag.Int("l", 18000, "approximate encoded size of each message body, in bytes")
	to := flag.String("to", "bench@example.com", "recipient")
	tlsMode := flag.String("tls", "none", "none, starttls or tls")
	rate := flag.Int("rate", 0, "messages per second; 0 is no limit")
	dkimAlg := flag.String("dkim", "", "sign with a new DKIM key: rsa (2048 bits) or ed25519; empty does not sign")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mailblast:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*addr, *messages, *conns, *workers, *size, *to, *tlsMode, *rate, *dkimAlg); err != nil {
		fmt.Fprintln(os.Stderr, "mailblast:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(addr string, messages, conns, workers, size int, to, tlsMode string, rate int, dkimAlg string) error {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return err
	}
	if workers == 0 {
		workers = 2 * conns
	}
	o := mailer.Options{
		Transport: mailer.TransportSMTP,
		From:      mailer.Address{Name: "Bản tin", Email: "no-reply@tin.example.vn"},
		Rate:      rate,
		SMTP: mailer.SMTPOptions{
			Host: host, Port: port, TLS: tlsMode, Connections: conns, Timeout: 30 * time.Second,
			HELO: "mailblast.example.vn",
		},
	}
	switch dkimAlg {
	case "":
	case "rsa":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		o.DKIM = &mailer.DKIMOptions{Selector: "mailblast", Key: key}
	case "ed25519":
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		o.DKIM = &mailer.DKIMOptions{Selector: "mailblast", Key: key}
	default:
		return fmt.Errorf("-dkim %q: want rsa or ed25519", dkimAlg)
	}
	m, err := mailer.New(o)
	if err != nil {
		return err
	}
	defer m.Close()

	text, html := body(size) // shared: encoded once
	message := func(i int) *mailer.Message {
		unsub := fmt.Sprintf("https://tin.example.vn/huy-dang-ky?t=%08x", i)
		return &mailer.Message{
			To:      []mailer.Address{{Name: "Nguyễn Văn Ân", Email: to}},
			Subject: "Bản tin sáng Thứ Sáu, 10/7/2020",
			TextParts: []mailer.Fragment{
				mailer.NewFragment("Kính gửi anh Nguyễn Văn Ân,\n\n"), text,
				mailer.NewFragment("\nHủy đăng ký: " + unsub + "\n"),
			},
			HTMLParts: []mailer.Fragment{
				mailer.NewFragment("<p>Kính gửi anh Nguyễn Văn Ân,</p>\n"), html,
				mailer.NewFragment("<p><a href=\"" + unsub + "\">Hủy đăng ký</a></p>\n"),
			},
			Bulk:        true,
			Unsubscribe: unsub,
		}
	}

	var next, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	ctx := context.Background()
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= messages {
					return
				}
				if err := m.Send(ctx, message(i)); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	sent := int64(messages) - failed.Load()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("sent %d messages (body ~%d bytes) over %d connections in %.2fs: %.0f msg/s; CPU %.2fs (%.0f msg per CPU-second); peak RSS %s\n",
		sent, text.Len()+html.Len(), conns, elapsed.Seconds(), float64(sent)/elapsed.Seconds(),
		cpu.Seconds(), float64(sent)/cpu.Seconds(), peakRSS())
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d messages failed, the first with: %w", n, firstErr)
	}
	return nil
}

// body returns shared text and HTML fragments whose encoded sizes add up
// to about size bytes, a third of it text.
func body(size int) (text, html mailer.Fragment) {
	const item = "Giao ban thực hiện chương trình phát triển kinh tế – xã hội đến năm 2030; giá lúa thu đông tăng."
	var t, h strings.Builder
	for i := 0; ; i++ {
		text, html = mailer.NewFragment(t.String()), mailer.NewFragment(h.String())
		if text.Len()+html.Len() >= size {
			return text, html
		}
		if text.Len() < size/3 {
			fmt.Fprintf(&t, "%d. %s\nhttps://tin.example.vn/thoi-su/bai-%d\n\n", i+1, item, i)
		} else {
			fmt.Fprintf(&h, "<tr><td><a href=\"https://tin.example.vn/thoi-su/bai-%d\">%s</a></td></tr>\n", i, item)
		}
	}
}

// peakRSS returns VmHWM from /proc/self/status: the most memory the
// process has had resident.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
