package article

import (
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// benchParagraphs are synthetic body paragraphs, cycled to build an article
// of a realistic size for the portal (most are 4 to 10 KB).
var benchParagraphs = []string{
	"Theo báo cáo của Sở Giao thông vận tải, trong quý I, lượng hành khách đi xe buýt tăng 12% so với cùng kỳ năm trước; nhiều tuyến mới được mở đến các khu công nghiệp và khu đô thị ven thành phố.",
	"Ông Nguyễn Văn Bình, Phó Giám đốc Sở, cho biết: “Chúng tôi ưu tiên những tuyến nối bến xe với bệnh viện, trường học, để người dân, nhất là người cao tuổi và học sinh, đi lại thuận tiện hơn.”",
	"Bên cạnh kết quả đạt được, hệ thống điểm dừng vẫn còn thiếu mái che, biển báo ở một số nơi đã cũ; việc kết nối với đường sắt đô thị chưa đồng bộ, khiến hành khách phải đi bộ khá xa để chuyển tuyến.",
	"Trong thời gian tới, thành phố sẽ thay thế dần xe buýt chạy dầu bằng xe điện, lắp thêm trạm sạc tại các bến đầu cuối và áp dụng vé điện tử dùng chung cho mọi phương tiện công cộng.",
}

func benchArticle(size int) []byte {
	var b strings.Builder
	b.WriteString("Thứ Sáu, 10/7/2020\nThành phố mở rộng mạng lưới xe buýt kết nối khu công nghiệp\n\n")
	b.WriteString("Sáng 10/7, Ủy ban nhân dân thành phố tổ chức hội nghị sơ kết sáu tháng thực hiện đề án phát triển vận tải hành khách công cộng.\n\n")
	for i := 0; b.Len() < size; i++ {
		switch i % 6 {
		case 2:
			b.WriteString(nb + "\nHành khách lên xe tại bến trung tâm" + nb + "\n\n")
		case 4:
			b.WriteString("Những việc cần làm ngay\n\n")
		}
		b.WriteString(benchParagraphs[i%len(benchParagraphs)])
		b.WriteString("\n\n")
	}
	b.WriteString("Tin và ảnh: Hoàng Anh\n\nGửi cho bạn bè\n\nPhản hồi\n\nThông tin người gửi phản hồi\n")
	return []byte(b.String())
}

func BenchmarkParsePortalText(b *testing.B) {
	data := benchArticle(8 << 10)
	p := NewParser(Options{})
	in := Input{Name: "thoi-su/bench.txt", Key: "file:thoi-su/bench.txt", Category: "Thời sự", Data: data}
	if _, err := p.ParsePortalText(in); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParsePortalText(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

func BenchmarkParseMarkdown(b *testing.B) {
	var md strings.Builder
	md.WriteString("---\ntitle: Thành phố mở rộng mạng lưới xe buýt\ndate: 2020-07-10 08:30\ntags: [giao thông, xe buýt]\n---\n")
	for i := 0; md.Len() < 8<<10; i++ {
		if i%4 == 3 {
			md.WriteString("## Những việc cần làm ngay\n\n")
		}
		md.WriteString(benchParagraphs[i%len(benchParagraphs)] + " Xem [chi tiết](https://example.vn/a).\n\n")
	}
	data := []byte(md.String())
	p := NewParser(Options{})
	in := Input{Name: "bench.md", Key: "file:bench.md", Data: data}
	if _, err := p.ParseMarkdown(in); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseMarkdown(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkParsePortalTextReference is the floor any parser of this format
// pays on the same bytes: validate UTF-8, normalize to NFC, split into lines
// and HTML-escape them. BenchmarkParsePortalText is reported as a ratio to
// it (bench/README.md), since these machines are too noisy for absolute
// times alone.
func BenchmarkParsePortalTextReference(b *testing.B) {
	data := benchArticle(8 << 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out int
	for b.Loop() {
		if !utf8.Valid(data) {
			b.Fatal("invalid UTF-8")
		}
		for line := range strings.Lines(norm.NFC.String(string(data))) {
			out += len(html.EscapeString(line))
		}
	}
	if out == 0 {
		b.Fatal("reference did no work")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}
