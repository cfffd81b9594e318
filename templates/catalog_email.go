package templates

// emailStrings are the strings shared by every email.
func emailStrings() map[string]map[string]string {
	return map[string]map[string]string{
		"vi": {
			"email.ignore": "Nếu bạn không yêu cầu, hãy bỏ qua email này.",
		},
		"en": {
			"email.ignore": "If you did not ask for this, ignore this email.",
		},
	}
}
