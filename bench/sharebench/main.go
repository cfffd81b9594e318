// Command sharebench prepares the requests of bench/share.sh: it loads the
// share form of an article N times from a running bantin, as browsers do,
// and writes one well-formed POST body per line, each with its own form
// token and recipient. The senders count as confirmed the way a
// newsletter's readers do: each body carries a "share-sender" token (?s=,
// see package share) signed with the server's security.secret_key, which
// the benchmark sets.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/share"
)

var tokenField = regexp.MustCompile(`name="t" value="([^"]+)"`)

func main() {
	site := flag.String("url", "http://127.0.0.1:18097", "base URL of the running bantin")
	articleID := flag.String("article", "", "id of the article to share (required)")
	n := flag.Int("n", 2000, "how many request bodies to write")
	senders := flag.Int("senders", 50, "how many different senders take turns")
	key := flag.String("key", "", "the server's security.secret_key (required)")
	out := flag.String("out", "bodies.txt", "file to write the bodies to, one per line")
	flag.Parse()
	if *articleID == "" || *key == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*site, *articleID, *key, *out, *n, *senders); err != nil {
		fmt.Fprintln(os.Stderr, "sharebench:", err)
		os.Exit(1)
	}
}

func run(site, articleID, key, out string, n, senders int) error {
	signer, err := token.New([]byte(key), nil)
	if err != nil {
		return err
	}
	toks, err := formTokens(site+"/a/"+url.PathEscape(articleID)+"/share", n)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i, t := range toks {
		email := fmt.Sprintf("sender%d@bench.example", i%senders)
		v := url.Values{
			"t": {t}, "s": {signer.Sign(share.PurposeSender, email, 24*time.Hour)},
			"name": {fmt.Sprintf("Người gửi %d", i%senders)}, "email": {email},
			"to": {fmt.Sprintf("ban%d@bench.example", i)}, "note": {"Bài này hay, đọc nhé!"}, "website": {""},
		}
		fmt.Fprintln(w, v.Encode())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// formTokens loads the form n times, 16 at a time, and returns the tokens.
func formTokens(formURL string, n int) ([]string, error) {
	toks := make([]string, n)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t, err := formToken(formURL)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				toks[i] = t
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return toks, nil
}

func formToken(formURL string) (string, error) {
	resp, err := http.Get(formURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	m := tokenField.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("GET %s: %s, no form token", formURL, resp.Status)
	}
	return html.UnescapeString(string(m[1])), nil
}
