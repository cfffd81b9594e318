package source

import (
	"context"
	"github.com/bantin/bantin/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// The product promise: a file dropped into the articles directory is in
// the store within 2 s.
const watchDeadline = 2 * time.Second

// startWatcher runs a watcher on root until the test ends.
func startWatcher(t *testing.T, saver ArticleSaver, root string, o WatcherOptions) *testutil.LockedBuffer {
	t.Helper()
	log, buf := testLogger()
	o.Logger = log
	im := NewImporter(saver, newParser(), ImporterOptions{Root: root, CategoryNames: categoryNames, Logger: log})
	w := NewWatcher(im, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return buf
}

// waitScanned waits for the initial scan, so that files the test writes
// next are seen as events.
func waitScanned(t *testing.T, db *store.DB, key string) {
	t.Helper()
	eventually(t, watchDeadline, "initial scan of "+key, func() bool { return articleByKey(t, db, key) != nil })
}

func TestWatcherNewFileAndRemoval(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "thoi-su", "co-san.txt"), portal(day, "Bài có sẵn trước khi chạy", "Bài này nằm trong thư mục từ trước khi bộ theo dõi khởi động."))
	logs := startWatcher(t, db, root, WatcherOptions{}) // default debounce
	waitScanned(t, db, "file:thoi-su/co-san.txt")

	path := filepath.Join(root, "thoi-su", "moi.txt")
	writeFile(t, path, portal(day, "Khai trương điểm bán hàng bình ổn giá", "Điểm bán hàng bình ổn giá thứ ba của phường mở cửa từ hôm nay."))
	const key = "file:thoi-su/moi.txt"
	eventually(t, watchDeadline, "new file in store", func() bool { return articleByKey(t, db, key) != nil })
	if a := articleByKey(t, db, key); a.Category != "Thời sự" {
		t.Errorf("category = %q, want Thời sự", a.Category)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(t, watchDeadline, "removal logged", func() bool {
		s := logs.String()
		return strings.Contains(s, "file removed") && strings.Contains(s, "path="+path) && strings.Contains(s, "key="+key)
	})
	if articleByKey(t, db, key) == nil {
		t.Error("the article of a removed file was deleted; it must be kept")
	}
}

func TestWatcherAtomicRenameAndEdit(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "kinh-te", "a.txt"), portal(day, "Giá xăng giữ nguyên", "Giá xăng dầu trong nước giữ nguyên ở kỳ điều hành này."))
	startWatcher(t, db, root, WatcherOptions{Debounce: 50 * time.Millisecond})
	waitScanned(t, db, "file:kinh-te/a.txt")

	// An editor's atomic save: write a temporary file, rename it over the
	// article.
	const key = "file:kinh-te/b.txt"
	dst := filepath.Join(root, "kinh-te", "b.txt")
	save := func(title string) {
		tmp := filepath.Join(root, "kinh-te", ".b.txt.tmp")
		writeFile(t, tmp, portal(day, title, "Ngân hàng nhà nước giữ nguyên lãi suất điều hành trong quý này."))
		if err := os.Rename(tmp, dst); err != nil {
			t.Fatal(err)
		}
	}
	save("Lãi suất điều hành không đổi")
	eventually(t, watchDeadline, "renamed-in file in store", func() bool { return articleByKey(t, db, key) != nil })
	first := articleByKey(t, db, key)

	save("Lãi suất điều hành tiếp tục không đổi")
	eventually(t, watchDeadline, "edit in store", func() bool {
		a := articleByKey(t, db, key)
		return a != nil && a.Title == "Lãi suất điều hành tiếp tục không đổi"
	})
	second := articleByKey(t, db, key)
	if second.ID != first.ID || !second.UpdatedAt.After(first.UpdatedAt) {
		t.Errorf("after edit: id %s updated %v; want id %s and updated after %v", second.ID, second.UpdatedAt, first.ID, first.UpdatedAt)
	}

	// An in-place edit (truncate and write) updates the same article too.
	writeFile(t, dst, portal(day, "Lãi suất được giữ ổn định", "Ngân hàng nhà nước giữ nguyên lãi suất điều hành trong quý này."))
	eventually(t, watchDeadline, "in-place edit in store", func() bool {
		a := articleByKey(t, db, key)
		return a != nil && a.Title == "Lãi suất được giữ ổn định" && a.ID == first.ID
	})
	if keys, _ := db.SourceKeys(context.Background(), "file:"); len(keys) != 2 {
		t.Errorf("keys = %v, want a.txt and b.txt only (no temporary file)", keys)
	}
}

func TestWatcherNewSubdirectory(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	startWatcher(t, db, root, WatcherOptions{Debounce: 50 * time.Millisecond})
	time.Sleep(100 * time.Millisecond) // let the watch on root be set

	// mkdir and write at once: the file may land before the new directory
	// is watched.
	writeFile(t, filepath.Join(root, "the-thao", "vo-thuat", "giai-vo.txt"), portal(day, "Giải võ cổ truyền học sinh", "Hơn 200 vận động viên tham dự giải võ cổ truyền học sinh."))
	const key = "file:the-thao/vo-thuat/giai-vo.txt"
	eventually(t, watchDeadline, "file in new directory in store", func() bool { return articleByKey(t, db, key) != nil })
	if a := articleByKey(t, db, key); a.Category != "the-thao" {
		t.Errorf("category = %q, want the top folder the-thao", a.Category)
	}
	// The new directory is watched now.
	writeFile(t, filepath.Join(root, "the-thao", "vo-thuat", "ket-qua.txt"), portal(day, "Kết quả giải võ", "Đội phường Tân Hòa giành ba huy chương vàng."))
	eventually(t, watchDeadline, "second file in new directory", func() bool {
		return articleByKey(t, db, "file:the-thao/vo-thuat/ket-qua.txt") != nil
	})
}

// countingSaver counts saves, to see which files a rescan reads.
type countingSaver struct {
	ArticleSaver
	mu    sync.Mutex
	saves map[string]int
}

func (c *countingSaver) SaveArticle(ctx context.Context, a *article.Article) (store.Outcome, error) {
	c.mu.Lock()
	c.saves[a.SourceKey]++
	c.mu.Unlock()
	return c.ArticleSaver.SaveArticle(ctx, a)
}

func (c *countingSaver) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saves[key]
}

func TestWatcherMissingDirAndRescan(t *testing.T) {
	db := openDB(t)
	saver := &countingSaver{ArticleSaver: db, saves: make(map[string]int)}
	root := filepath.Join(t.TempDir(), "articles")
	logs := startWatcher(t, saver, root, WatcherOptions{Debounce: 50 * time.Millisecond, Rescan: 100 * time.Millisecond})
	eventually(t, watchDeadline, "missing directory warning", func() bool {
		s := logs.String()
		return strings.Contains(s, "level=WARN") && strings.Contains(s, "missing") && strings.Contains(s, "dir="+root)
	})

	writeFile(t, filepath.Join(root, "van-hoa", "a.txt"), portal(day, "Hội sách mùa hè", "Hội sách mùa hè diễn ra tại nhà văn hóa thiếu nhi."))
	const key = "file:van-hoa/a.txt"
	eventually(t, watchDeadline, "file in directory created later", func() bool { return articleByKey(t, db, key) != nil })

	// Several rescans go by; an unchanged file is not read again.
	n := saver.count(key)
	time.Sleep(500 * time.Millisecond)
	if m := saver.count(key); m != n {
		t.Errorf("unchanged file saved %d more times by rescans, want none", m-n)
	}
	if strings.Count(logs.String(), "missing") != 1 {
		t.Errorf("missing directory logged more than once:\n%s", logs)
	}
}

// A bad file is reported once, not at every rescan.
func TestWatcherBadFileLoggedOnce(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	bad := filepath.Join(root, "sai.txt")
	writeFile(t, bad, "Thứ Hai, 10/4/2026\nTiêu đề\n\nSapo.\n")
	logs := startWatcher(t, db, root, WatcherOptions{Debounce: 20 * time.Millisecond, Rescan: 50 * time.Millisecond})
	eventually(t, watchDeadline, "bad file reported", func() bool { return strings.Contains(logs.String(), bad+":1:") })
	time.Sleep(300 * time.Millisecond)
	n := 0
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, bad+":1:") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("bad file reported %d times, want once:\n%s", n, logs)
	}
}

func TestNewWatcherDefaults(t *testing.T) {
	im := NewImporter(nil, newParser(), ImporterOptions{Root: "bai-viet"})
	w := NewWatcher(im, WatcherOptions{})
	if w.debounce != DefaultDebounce || !filepath.IsAbs(w.dir) || filepath.Base(w.dir) != "bai-viet" {
		t.Errorf("defaults: debounce %v dir %q", w.debounce, w.dir)
	}
}

func TestWatcherNoEventsImportsOnlyByRescan(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "thoi-su", "co-san.txt"), portal(day, "Bài có sẵn", "Bài này có từ trước khi bộ theo dõi khởi động."))
	startWatcher(t, db, root, WatcherOptions{NoEvents: true, Rescan: 1500 * time.Millisecond, Debounce: 20 * time.Millisecond})
	waitScanned(t, db, "file:thoi-su/co-san.txt")

	writeFile(t, filepath.Join(root, "thoi-su", "moi.txt"), portal(day, "Bài mới khi tắt sự kiện", "Chỉ lần quét lại mới thấy bài này."))
	const key = "file:thoi-su/moi.txt"
	// An event-driven watcher imports within the debounce; with events off
	// the file must wait for the rescan.
	time.Sleep(500 * time.Millisecond)
	if articleByKey(t, db, key) != nil {
		t.Fatal("the file was imported by an event although events are off")
	}
	eventually(t, 3*time.Second, "rescan imports the file", func() bool { return articleByKey(t, db, key) != nil })
}
