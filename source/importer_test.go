package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"golang.org/x/text/unicode/norm"
)

var categoryNames = map[string]string{"thoi-su": "Thời sự", "kinh-te": "Kinh tế"}

func newImporter(t testing.TB, db *store.DB, root string, maxSize int64) *Importer {
	t.Helper()
	return NewImporter(db, newParser(), ImporterOptions{Root: root, MaxSize: maxSize, CategoryNames: categoryNames})
}

const mdGood = `---
title: Giá rau xanh giảm mạnh sau đợt mưa
date: 2026-04-10 07:15
tags: [rau xanh, chợ đầu mối]
author: Đỗ Văn Khang
---

Lượng rau về chợ đầu mối tăng gần gấp đôi so với tuần trước, kéo giá nhiều loại rau xuống thấp.

## Giá bán lẻ

Tại các chợ lẻ, rau muống còn 8.000 đồng một bó.
`

func TestImportPathsGoodAndBadFiles(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	good := map[string]string{
		"thoi-su/hop-dan.txt": portal(day, "Họp dân lấy ý kiến chỉnh trang hẻm 12",
			"Ủy ban phường tổ chức họp dân để lấy ý kiến về phương án chỉnh trang hẻm 12.",
			"Phần lớn hộ dân đồng ý hiến một phần đất để mở rộng lối đi."),
		"kinh-te/gia-rau.md": mdGood,
		// Windows line ends and a byte order mark, as Notepad saves.
		"the-thao/crlf.txt": "\ufeff" + strings.ReplaceAll(portal(day, "Giải bóng đá phong trào khai mạc",
			"Mười sáu đội bóng tham dự giải bóng đá phong trào của quận năm nay.",
			"Trận khai mạc diễn ra trên sân Phú Thọ."), "\n", "\r\n"),
		// Decomposed diacritics, as macOS file systems hand them out.
		"van-hoa/nfd.txt": norm.NFD.String(portal(day, "Phố sách thiếu nhi mở cửa dịp hè",
			"Phố sách dành cho thiếu nhi mở cửa từ đầu tháng Sáu với nhiều hoạt động đọc sách.")),
		"top.txt": portal(day, "Thông báo lịch tiếp công dân",
			"Lãnh đạo phường tiếp công dân vào sáng thứ Năm hằng tuần."),
	}
	bad := []struct {
		name    string
		content string
		line    int
		is      error
	}{
		{"bad/khong-co-thu.txt", "Thứ, 10/4/2026\nTiêu đề\n\nSapo bài viết.\n", 1, article.ErrBadDate},
		{"bad/sai-ngay.txt", "Thứ Hai, 10/4/2026\nTiêu đề\n\nSapo bài viết.\n", 1, article.ErrWeekday},
		{"bad/thieu-tieu-de.txt", "Thứ Sáu, 10/4/2026\n\n\nSapo bài viết.\n", 2, article.ErrMissingTitle},
		{"bad/rong.txt", "", 0, article.ErrEmpty},
		{"bad/nhi-phan.txt", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, article.ErrBinary},
		{"bad/utf8.txt", "Thứ Sáu, 10/4/2026\nTiêu đề\n\nSapo \xff\xfe bị hỏng.\n", 4, article.ErrInvalidUTF8},
		{"bad/qua-lon.txt", portal(day, "Bài quá dài", strings.Repeat("Câu văn rất dài. ", 400)), 0, article.ErrTooLarge},
		{"bad/front-matter.md", "---\ntitle: Tiêu đề\ndate: 2026-04-10\ntags:\n  nhom: a\n---\n\nNội dung.\n", 4, article.ErrFrontMatter},
	}
	for name, content := range good {
		writeFile(t, filepath.Join(root, name), content)
	}
	for _, b := range bad {
		writeFile(t, filepath.Join(root, b.name), b.content)
	}
	// None of these may be read: an import of them would fail or, worse,
	// publish a half-written draft.
	for _, name := range []string{"thoi-su/.nhap.txt", "thoi-su/hop-dan.txt.swp", "thoi-su/hop-dan.txt~",
		"thoi-su/.#hop-dan.txt", "thoi-su/4913", "thoi-su/#hop-dan.txt#", "thoi-su/ghi-chu.pdf", ".git/x.txt", "_tmp/.an/y.md"} {
		writeFile(t, filepath.Join(root, name), "rác")
	}

	im := newImporter(t, db, root, 4096)
	var calls, lastDone, lastTotal int
	sum, err := im.ImportPaths(context.Background(), []string{root}, func(done, total int) {
		calls++
		lastDone, lastTotal = done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != len(good) || sum.Updated != 0 || sum.Unchanged != 0 {
		t.Errorf("summary = %+v, want %d created", sum, len(good))
	}
	want := len(good) + len(bad)
	if calls != want || lastDone != want || lastTotal != want {
		t.Errorf("progress: %d calls, last (%d, %d); want %d calls ending (%d, %d)", calls, lastDone, lastTotal, want, want, want)
	}
	failed := make(map[string]error)
	for _, f := range sum.Failed {
		failed[f.Path] = f.Err
	}
	if len(failed) != len(bad) {
		t.Errorf("%d failures, want %d: %v", len(failed), len(bad), sum.Failed)
	}
	for _, b := range bad {
		path := filepath.Join(root, b.name)
		err, ok := failed[path]
		if !ok {
			t.Errorf("%s: not among the failures", b.name)
			continue
		}
		var pe *article.ParseError
		if !errors.As(err, &pe) || pe.Line != b.line || !errors.Is(err, b.is) {
			t.Errorf("%s: err = %v, want a ParseError at line %d wrapping %v", b.name, err, b.line, b.is)
		}
		wantText := path
		if b.line > 0 {
			wantText = fmt.Sprintf("%s:%d:", path, b.line)
		}
		if !strings.Contains(err.Error(), wantText) {
			t.Errorf("%s: error %q does not name %q", b.name, err, wantText)
		}
	}
	if err := failed[filepath.Join(root, "bad/qua-lon.txt")]; err == nil || !strings.Contains(err.Error(), "limit 4096") {
		t.Errorf("oversized file: error %v does not name the limit", err)
	}

	keys, err := db.SourceKeys(context.Background(), "file:")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(good) {
		t.Errorf("stored keys %v, want the %d good files only", keys, len(good))
	}
	checks := []struct{ key, title, category, slug string }{
		{"file:thoi-su/hop-dan.txt", "Họp dân lấy ý kiến chỉnh trang hẻm 12", "Thời sự", "thoi-su"},
		{"file:kinh-te/gia-rau.md", "Giá rau xanh giảm mạnh sau đợt mưa", "Kinh tế", "kinh-te"},
		{"file:the-thao/crlf.txt", "Giải bóng đá phong trào khai mạc", "the-thao", "the-thao"},
		{"file:van-hoa/nfd.txt", "Phố sách thiếu nhi mở cửa dịp hè", "van-hoa", "van-hoa"},
		{"file:top.txt", "Thông báo lịch tiếp công dân", "", ""},
	}
	for _, c := range checks {
		a := articleByKey(t, db, c.key)
		if a == nil {
			t.Errorf("%s: not stored", c.key)
			continue
		}
		if a.Title != c.title || a.Category != c.category || a.CategorySlug != c.slug {
			t.Errorf("%s: title %q category %q (%q), want %q %q (%q)", c.key, a.Title, a.Category, a.CategorySlug, c.title, c.category, c.slug)
		}
		if !norm.NFC.IsNormalString(a.Title + a.Lead + a.BodyHTML) {
			t.Errorf("%s: text is not NFC", c.key)
		}
		if strings.ContainsAny(a.Title+a.Lead+a.BodyHTML, "\r\ufeff") {
			t.Errorf("%s: CR or BOM kept", c.key)
		}
	}
}

func TestImportPathsReimport(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	ctx := context.Background()
	a := filepath.Join(root, "thoi-su", "a.txt")
	b := filepath.Join(root, "thoi-su", "b.txt")
	writeFile(t, a, portal(day, "Khởi công trường mầm non Hoa Sen", "Trường có 12 phòng học, dự kiến đón trẻ vào năm sau."))
	writeFile(t, b, portal(day, "Trạm y tế phường tiêm vắc xin sởi", "Trạm y tế tổ chức tiêm bổ sung vắc xin sởi cho trẻ dưới 5 tuổi."))
	im := newImporter(t, db, root, 0)
	if sum, err := im.ImportPaths(ctx, []string{root}, nil); err != nil || sum.Created != 2 {
		t.Fatalf("first import: %+v, %v", sum, err)
	}
	before := articleByKey(t, db, "file:thoi-su/a.txt")

	sum, err := im.ImportPaths(ctx, []string{root}, nil)
	if err != nil || sum.Unchanged != 2 || sum.Created+sum.Updated+len(sum.Failed) != 0 {
		t.Fatalf("unchanged re-import: %+v, %v; want 2 unchanged", sum, err)
	}

	time.Sleep(2 * time.Millisecond) // updated_at has microseconds; make sure it can move
	writeFile(t, a, portal(day, "Khởi công trường mầm non Hoa Sen (cập nhật)", "Trường có 14 phòng học, dự kiến đón trẻ vào tháng Chín năm sau."))
	sum, err = im.ImportPaths(ctx, []string{root}, nil)
	if err != nil || sum.Updated != 1 || sum.Unchanged != 1 || sum.Created != 0 {
		t.Fatalf("changed re-import: %+v, %v; want 1 updated, 1 unchanged", sum, err)
	}
	after := articleByKey(t, db, "file:thoi-su/a.txt")
	if after.ID != before.ID || !strings.Contains(after.Title, "cập nhật") || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("after update: id %s title %q updated %v; want id %s, new title, updated after %v",
			after.ID, after.Title, after.UpdatedAt, before.ID, before.UpdatedAt)
	}
}

// A file must get the same key whether it is imported by itself, with its
// directory, through a relative path or through a symlink to the root, or
// re-importing it would create a second article.
func TestSourceKeysAgree(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	real := t.TempDir()
	file := filepath.Join(real, "kinh-te", "gia-vang.txt")
	writeFile(t, file, portal(day, "Giá vàng trong nước tăng nhẹ", "Giá vàng miếng tăng 200.000 đồng mỗi lượng so với hôm qua."))
	link := filepath.Join(t.TempDir(), "articles")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	const key = "file:kinh-te/gia-vang.txt"

	im := newImporter(t, db, link, 0)  // root configured through the link
	o, err := im.ImportFile(ctx, file) // file named by its real path
	if err != nil || o != store.Created {
		t.Fatalf("ImportFile: %v, %v", o, err)
	}
	if articleByKey(t, db, key) == nil {
		t.Fatalf("%s not stored", key)
	}
	sum, err := im.ImportPaths(ctx, []string{filepath.Join(link, "kinh-te")}, nil)
	if err != nil || sum.Unchanged != 1 {
		t.Errorf("import of the folder through the link: %+v, %v; want 1 unchanged", sum, err)
	}
	t.Chdir(real)
	sum, err = im.ImportPaths(ctx, []string{"."}, nil)
	if err != nil || sum.Unchanged != 1 {
		t.Errorf("import of \".\" inside the root: %+v, %v; want 1 unchanged", sum, err)
	}
	if keys, _ := db.SourceKeys(ctx, "file:"); len(keys) != 1 || !keys[key] {
		t.Errorf("keys = %v, want only %s", keys, key)
	}

	// Outside the root: relative to the directory argument, or the base
	// name of a file argument.
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "the-thao", "boi-loi.txt"), portal(day, "Giải bơi lội học sinh", "Hơn 300 học sinh tranh tài ở giải bơi lội năm nay."))
	writeFile(t, filepath.Join(other, "le.txt"), portal(day, "Thông báo nghỉ lễ", "Bộ phận một cửa nghỉ lễ từ ngày 30/4 đến hết ngày 3/5."))
	sum, err = im.ImportPaths(ctx, []string{other}, nil)
	if err != nil || sum.Created != 2 {
		t.Fatalf("import outside the root: %+v, %v", sum, err)
	}
	a := articleByKey(t, db, "file:the-thao/boi-loi.txt")
	if a == nil || a.Category != "the-thao" {
		t.Errorf("file:the-thao/boi-loi.txt: %+v, want it stored in category the-thao", a)
	}
	if o, err := im.ImportFile(ctx, filepath.Join(other, "le.txt")); err != nil || o != store.Unchanged {
		t.Errorf("file outside the root by name: %v, %v; want unchanged under file:le.txt", o, err)
	}
}

func TestImportPathsMissingArgument(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.txt"), portal(day, "Phát quà cho học sinh nghèo", "Hội khuyến học phường trao 50 suất quà cho học sinh."))
	missing := filepath.Join(root, "khong-co")
	sum, err := newImporter(t, db, root, 0).ImportPaths(context.Background(), []string{missing, root, missing + "-2"}, nil)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), missing+"-2") {
		t.Errorf("err = %v, want one naming both missing paths", err)
	}
	if sum.Created != 1 {
		t.Errorf("summary %+v: the readable directory was not imported", sum)
	}
}

func TestImportPathsSameKeyTwice(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	d1, d2 := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(d1, "tin.txt"), portal(day, "Tin thứ nhất", "Nội dung tin thứ nhất của phường."))
	writeFile(t, filepath.Join(d2, "tin.txt"), portal(day, "Tin thứ hai", "Nội dung tin thứ hai của phường."))
	im := newImporter(t, db, t.TempDir(), 0)
	sum, err := im.ImportPaths(ctx, []string{d1, d2, filepath.Join(d1, "tin.txt")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 1 || len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Err.Error(), "file:tin.txt") {
		t.Errorf("summary %+v: want the first imported and the second reported as a key clash", sum)
	}
	if a := articleByKey(t, db, "file:tin.txt"); a == nil || a.Title != "Tin thứ nhất" {
		t.Errorf("stored %+v, want the first file's article, not overwritten", a)
	}
}

func TestImportFileErrors(t *testing.T) {
	db := openDB(t)
	root := t.TempDir()
	im := newImporter(t, db, root, 0)
	ctx := context.Background()
	pdf := filepath.Join(root, "bao-cao.pdf")
	writeFile(t, pdf, "%PDF-1.7")
	if _, err := im.ImportFile(ctx, pdf); !errors.Is(err, article.ErrUnsupportedFormat) || !strings.Contains(err.Error(), pdf) {
		t.Errorf("pdf: err = %v, want ErrUnsupportedFormat naming the file", err)
	}
	missing := filepath.Join(root, "khong-co.txt")
	if _, err := im.ImportFile(ctx, missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing: err = %v, want not-exist naming the file", err)
	}
	if _, err := im.ImportFile(ctx, root); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: err = %v, want \"not a regular file\"", err)
	}
}

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		"a.txt": false, "bai-viet.md": false, "x.markdown": false,
		".a.txt": true, "a.txt~": true, ".#a.txt": true, "#a.txt#": true,
		"a.txt.swp": true, "a.swx": true, "4913": true, "a.tmp": true,
	} {
		if got := ignored(name); got != want {
			t.Errorf("ignored(%q) = %v, want %v", name, got, want)
		}
	}
}
