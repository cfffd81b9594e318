package templates

// articleStrings are the strings of the article page.
func articleStrings() map[string]map[string]string {
	return map[string]map[string]string{
		"vi": {
			"article.actions":        "Chia sẻ và phản hồi",
			"article.share":          "Gửi cho bạn bè",
			"article.feedback":       "Phản hồi",
			"article.mailto":         "Gửi bằng ứng dụng email của bạn",
			"article.source":         "Nguồn:",
			"article.category":       "Chuyên mục",
			"article.published":      "Đăng ngày",
			"article.updated":        "Cập nhật",
			"article.photo":          "Ảnh",
			"article.feedback_title": "Ý kiến bạn đọc",
			"article.mailto_subject": "Bài viết gửi bạn:",
			"article.back":           "Quay lại bài viết",
		},
		"en": {
			"article.actions":        "Share and feedback",
			"article.share":          "Send to a friend",
			"article.feedback":       "Feedback",
			"article.mailto":         "Send with your own email app",
			"article.source":         "Source:",
			"article.category":       "Section",
			"article.published":      "Published",
			"article.updated":        "Updated",
			"article.photo":          "Photo",
			"article.feedback_title": "Readers' feedback",
			"article.mailto_subject": "An article for you:",
			"article.back":           "Back to the article",
		},
	}
}
