package templates

// Catalog holds the strings readers see, by language. Vietnamese is the
// default and the fallback: a key missing in English shows in Vietnamese
// rather than as a key name.
type Catalog struct {
	texts map[string]map[string]string
}

// Languages lists the supported languages, the default first.
func Languages() []string { return []string{"vi", "en"} }

// NewCatalog returns the built-in strings.
func NewCatalog() Catalog {
	return Catalog{texts: map[string]map[string]string{
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
	}}
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
