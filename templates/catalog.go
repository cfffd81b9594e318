package templates

// Catalog holds the strings readers see, by language. Vietnamese is the
// default and the fallback: a key missing in English shows in Vietnamese
// rather than as a key name.
type Catalog struct {
	texts map[string]map[string]string
}

// Languages lists the supported languages, the default first.
func Languages() []string { return []string{"vi", "en"} }

// NewCatalog returns the built-in strings. Each area of the product keeps
// its strings in its own function (catalog_*.go); keys are prefixed by area,
// and a key defined twice is a programming error caught by the tests.
func NewCatalog() Catalog {
	c := Catalog{texts: map[string]map[string]string{}}
	for _, area := range catalogAreas() {
		for lang, texts := range area {
			if c.texts[lang] == nil {
				c.texts[lang] = map[string]string{}
			}
			for k, v := range texts {
				c.texts[lang][k] = v
			}
		}
	}
	return c
}

// catalogAreas lists every area's strings. Add an area here.
func catalogAreas() []map[string]map[string]string {
	return []map[string]map[string]string{siteStrings(), emailStrings(), digestStrings(), subscribeStrings(), articleStrings(), shareStrings()}
}

// siteStrings are the strings of the layout and the home page.
func siteStrings() map[string]map[string]string {
	return map[string]map[string]string{
		"vi": {
			"home.title":     "Tin mới nhất",
			"home.empty":     "Chưa có bài viết nào.",
			"home.older":     "Tin cũ hơn",
			"home.newer":     "Tin mới nhất",
			"nav.language":   "English",
			"nav.lang_code":  "en",
			"byline.prefix":  "Tin:",
			"footer.powered": "Trang tin được phát hành bằng bantin.",
			"error.notfound": "Không tìm thấy trang bạn yêu cầu.",
			"error.internal": "Đã có lỗi xảy ra. Vui lòng thử lại sau.",
			"skip.content":   "Chuyển đến nội dung chính",
		},
		"en": {
			"home.title":     "Latest news",
			"home.empty":     "No articles yet.",
			"home.older":     "Older news",
			"home.newer":     "Latest news",
			"nav.language":   "Tiếng Việt",
			"nav.lang_code":  "vi",
			"byline.prefix":  "By",
			"footer.powered": "Published with bantin.",
			"error.notfound": "The page you asked for was not found.",
			"error.internal": "Something went wrong. Please try again later.",
			"skip.content":   "Skip to main content",
		},
	}
}

// Text returns the string for key in lang, falling back to Vietnamese and
// then to the key itself so that a missing string is visible, not blank.
func (c Catalog) Text(lang, key string) string {
	if s, ok := c.texts[lang][key]; ok {
		return s
	}
	if s, ok := c.texts["vi"][key]; ok {
		return s
	}
	return key
}

// Keys returns every key of lang, for tests that check both languages
// carry the same strings.
func (c Catalog) Keys(lang string) []string {
	var keys []string
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	return keys
}
