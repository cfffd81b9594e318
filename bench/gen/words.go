package gen

// The vocabulary below is written for this package: synthetic Vietnamese local
// news phrases in NFC. The lists are arrays in a value built per article by
// newVocab, so there is no package-level state and picking a word allocates
// nothing. vocab_test.go checks that every entry is non-empty and NFC.

// vocab is the word lists one article draws from.
type vocab struct {
	// openers are time or framing phrases that start a sentence, followed by a comma.
	openers [20]string
	// connectors start a sentence that continues the previous one.
	connectors [8]string
	// subjects are the actors of a sentence; some are proper nouns.
	subjects [24]string
	// actions are verb phrases that take one of objects.
	actions [20]string
	// futures are verb phrases about what will happen, used in reported speech.
	futures [8]string
	// whens are deadlines that end a sentence about the future.
	whens [7]string
	// objects are what the news is about.
	objects [30]string
	// places locate a sentence.
	places [18]string
	// tails end a sentence with a purpose or circumstance.
	tails [18]string
	// sources introduce a statistic ("Theo ...").
	sources [8]string
	// stats follow a number: "1.250 hộ dân đã được hỗ trợ".
	stats [12]string
	// roles follow a person's name: "ông Trần Văn An, Chủ tịch UBND phường, cho biết".
	roles [16]string
	// speechVerbs attribute reported or quoted speech.
	speechVerbs [6]string
	// quotes are direct speech, without the closing punctuation (Vietnamese
	// style puts it after the closing quotation mark).
	quotes [18]string
	// details are complete sentences that fit most local news.
	details [20]string
	// subheadings are short lines without closing punctuation.
	subheadings [24]string
	// captions describe a photo; the portal format appends U+00A0.
	captions [20]string
	// titleVerbs start a title and take one of objects.
	titleVerbs [14]string
	// tags are Markdown front matter tags.
	tags [16]string
	// linkTexts name the page a Markdown link points to.
	linkTexts     [6]string
	familyNames   [16]string
	maleMiddles   [7]string
	femaleMiddles [6]string
	maleGivens    [14]string
	femaleGivens  [14]string
}

// newVocab returns the word lists. Every field is set from a [...] literal,
// so a list whose length does not match its field fails to compile.
func newVocab() vocab {
	return vocab{
		openers: [...]string{
			"Sáng nay",
			"Chiều qua",
			"Trong tuần qua",
			"Từ đầu năm đến nay",
			"Theo kế hoạch",
			"Trước đó",
			"Cùng ngày",
			"Trong quý III",
			"Những ngày gần đây",
			"Sau nhiều tháng chuẩn bị",
			"Từ đầu tháng",
			"Tối cùng ngày",
			"Trong năm 2026",
			"Đến nay",
			"Ngay sau cuộc họp",
			"Theo ghi nhận của phóng viên",
			"Trong đợt cao điểm vừa qua",
			"Sáng cuối tuần",
			"Trước thềm năm mới",
			"Trong hai ngày qua",
		},
		connectors: [...]string{
			"Bên cạnh đó",
			"Ngoài ra",
			"Đáng chú ý",
			"Tuy nhiên",
			"Cũng theo kế hoạch",
			"Đồng thời",
			"Trong khi đó",
			"Theo đánh giá chung",
		},
		subjects: [...]string{
			"UBND phường",
			"Ban quản lý chợ",
			"Sở Giao thông vận tải",
			"nhiều hộ kinh doanh",
			"các trường học trên địa bàn",
			"ban tổ chức giải",
			"đội bóng chủ nhà",
			"người dân khu phố 4",
			"các doanh nghiệp xuất khẩu",
			"Ban Quản lý đường sắt đô thị",
			"hợp tác xã nông nghiệp",
			"Trung tâm Văn hóa - Thể thao",
			"Ủy ban Mặt trận Tổ quốc phường",
			"đoàn thanh niên các phường",
			"Sở Công Thương",
			"Hội Nông dân xã",
			"công an phường",
			"nhà thầu thi công",
			"Sở Giáo dục và Đào tạo",
			"các câu lạc bộ văn nghệ quần chúng",
			"Hội đồng nhân dân thành phố",
			"tổ dân phố 12",
			"nhiều tiểu thương",
			"lực lượng thanh niên tình nguyện",
		},
		actions: [...]string{
			"đã tổ chức hội nghị lấy ý kiến về",
			"tiếp tục triển khai",
			"đề xuất bổ sung kinh phí cho",
			"hoàn thành việc rà soát",
			"đẩy nhanh tiến độ",
			"công bố kết quả đánh giá",
			"kiến nghị điều chỉnh",
			"phối hợp kiểm tra",
			"chuẩn bị các điều kiện cần thiết cho",
			"lên kế hoạch mở rộng",
			"tổ chức đối thoại với người dân về",
			"ký kết thỏa thuận hợp tác về",
			"đánh giá cao hiệu quả của",
			"thống nhất phương án thực hiện",
			"đưa ra nhiều giải pháp cho",
			"huy động thêm nguồn lực cho",
			"bàn giao mặt bằng cho",
			"khảo sát thực tế",
			"ghi nhận nhiều ý kiến góp ý về",
			"cam kết hoàn thành",
		},
		futures: [...]string{
			"sẽ tiếp tục triển khai",
			"sẽ hoàn thành",
			"sẽ công khai tiến độ",
			"sẽ rà soát lại",
			"sẽ báo cáo kết quả",
			"dự kiến khởi công",
			"dự kiến hoàn thành",
			"sẽ mở rộng",
		},
		whens: [...]string{
			"trước ngày 31/12",
			"trong quý I/2027",
			"ngay sau Tết Nguyên đán",
			"trong tháng tới",
			"trước mùa mưa năm sau",
			"từ đầu năm 2027",
			"trong vòng 30 ngày",
		},
		objects: [...]string{
			"dự án chỉnh trang vỉa hè",
			"kế hoạch cải tạo chợ truyền thống",
			"tuyến đường sắt đô thị số 2",
			"mùa giải bóng đá phong trào",
			"lễ hội văn hóa ẩm thực",
			"chương trình hỗ trợ học sinh có hoàn cảnh khó khăn",
			"vụ lúa đông xuân",
			"hệ thống thoát nước khu dân cư",
			"các tuyến xe buýt kết nối nhà ga",
			"phong trào phân loại rác tại nguồn",
			"công trình nhà văn hóa khu phố",
			"đề án phát triển du lịch ven sông",
			"chuỗi liên kết tiêu thụ nông sản",
			"giải chạy vì cộng đồng",
			"kế hoạch bảo đảm trật tự an toàn giao thông",
			"mô hình chợ không dùng tiền mặt",
			"dự án nâng cấp trường tiểu học",
			"chương trình khám sức khỏe miễn phí cho người cao tuổi",
			"liên hoan đờn ca tài tử",
			"tuyến đường ven kênh",
			"hoạt động xuất khẩu gạo",
			"việc cấp nước sạch cho các hộ dân vùng ven",
			"công tác phòng chống thiên tai",
			"không gian đọc sách cho thiếu nhi",
			"khu tái định cư phía đông",
			"phương án phân luồng giao thông dịp cuối năm",
			"chương trình chuyển đổi số ở cấp phường",
			"đội tuyển bóng đá trẻ của thành phố",
			"việc trùng tu đình làng",
			"kế hoạch trồng thêm cây xanh trên các tuyến phố",
		},
		places: [...]string{
			"tại nhà văn hóa khu phố 3",
			"trên địa bàn phường",
			"ở các xã ven sông",
			"tại trung tâm hành chính",
			"dọc tuyến đường ven kênh",
			"ở khu vực chợ trung tâm",
			"tại sân vận động thành phố",
			"ở các khu dân cư mới",
			"tại hội trường UBND phường",
			"trên các cánh đồng ven sông Hậu",
			"tại phố đi bộ",
			"ở khu công nghiệp phía bắc",
			"tại điểm trường vùng ven",
			"ở các tuyến hẻm nhỏ",
			"tại bến tàu khách",
			"trên tuyến đường dẫn vào cầu mới",
			"ở nhà thi đấu đa năng",
			"tại chợ đầu mối nông sản",
		},
		tails: [...]string{
			"nhằm bảo đảm an toàn cho người đi bộ",
			"theo đúng tiến độ đã đề ra",
			"để phục vụ người dân dịp cuối năm",
			"trong bối cảnh nhu cầu tăng cao",
			"với sự đồng thuận của đa số người dân",
			"góp phần cải thiện đời sống bà con",
			"nhằm giảm áp lực sĩ số cho các trường",
			"để kịp đưa vào sử dụng trước Tết",
			"tránh gây ảnh hưởng đến việc buôn bán",
			"bảo đảm công khai, minh bạch",
			"tạo thêm việc làm cho lao động địa phương",
			"thu hút đông đảo người dân tham gia",
			"theo hướng gọn gàng, sạch đẹp hơn",
			"sau khi lắng nghe ý kiến của cử tri",
			"với nhiều điểm mới so với năm trước",
			"dù thời tiết không thuận lợi",
			"nhằm giữ gìn bản sắc văn hóa địa phương",
			"để người dân dễ dàng theo dõi",
		},
		sources: [...]string{
			"báo cáo của UBND phường",
			"số liệu của Sở Công Thương",
			"ban tổ chức",
			"thống kê của ban quản lý",
			"Phòng Kinh tế",
			"Sở Giáo dục và Đào tạo",
			"đại diện nhà thầu",
			"Hội Nông dân xã",
		},
		stats: [...]string{
			"hộ dân đã được hỗ trợ",
			"tuyến hẻm đã được nâng cấp",
			"lượt khách đã đến tham quan",
			"tấn hàng hóa đã được thông quan",
			"học sinh đã được nhận học bổng",
			"vận động viên đã đăng ký tham gia",
			"gian hàng đã được bố trí",
			"hecta lúa đã được thu hoạch",
			"hồ sơ đã được giải quyết đúng hạn",
			"cây xanh đã được trồng mới",
			"suất quà đã được trao tặng",
			"mét đường ống đã được lắp đặt",
		},
		roles: [...]string{
			"Chủ tịch UBND phường",
			"Phó Giám đốc Sở Công Thương",
			"tổ trưởng tổ dân phố 12",
			"tiểu thương bán rau ở chợ",
			"huấn luyện viên trưởng của đội",
			"Hiệu trưởng nhà trường",
			"Trưởng ban tổ chức",
			"một người dân sống gần công trình",
			"Giám đốc hợp tác xã",
			"Phó Chủ tịch Hội đồng nhân dân thành phố",
			"đại diện nhà thầu thi công",
			"nghệ nhân cao tuổi nhất câu lạc bộ",
			"phụ huynh có con học lớp 4",
			"chủ một tiệm tạp hóa đầu hẻm",
			"đội trưởng đội bóng",
			"cán bộ Phòng Văn hóa - Xã hội",
		},
		speechVerbs: [...]string{
			"cho biết",
			"chia sẻ",
			"nhấn mạnh",
			"khẳng định",
			"nói",
			"bày tỏ",
		},
		quotes: [...]string{
			"Chúng tôi sẽ tiếp thu đầy đủ ý kiến của bà con trước khi triển khai",
			"Làm đến đâu phải gọn đến đó, không để người dân chờ đợi",
			"Năm nay giá tốt, bà con ai cũng phấn khởi",
			"Các em đã thi đấu bằng cả trái tim",
			"Tôi chỉ mong công trình sớm hoàn thành để đi lại thuận tiện hơn",
			"Mỗi món ăn đều kể một câu chuyện về vùng đất làm ra nó",
			"Phải công khai tiến độ để người dân cùng giám sát",
			"Khách quay lại đông hơn, tiểu thương ai cũng mừng",
			"Điều quan trọng nhất là an toàn cho các cháu học sinh",
			"Chúng tôi đã chuẩn bị kỹ lưỡng cho mùa cao điểm cuối năm",
			"Nghề này cực nhưng bỏ thì tiếc lắm",
			"Có ý kiến gì bà con cứ gọi thẳng vào đường dây nóng",
			"Mục tiêu của đội là giành trọn ba điểm ở trận tới",
			"Đọc sách cùng con mỗi cuối tuần giờ thành thói quen của cả nhà",
			"Chúng tôi không chạy theo số lượng mà chú trọng chất lượng",
			"Nếu thuận lợi, công trình sẽ về đích sớm hơn kế hoạch",
			"Bà con rất đồng tình vì đây là mong mỏi từ lâu",
			"Phải giữ được cái hồn của lễ hội truyền thống",
		},
		details: [...]string{
			"Nhiều ý kiến đề nghị cần có phương án bảo đảm việc đi lại của người dân trong thời gian thi công.",
			"Công trình được chia thành nhiều giai đoạn để hạn chế ảnh hưởng đến sinh hoạt của bà con.",
			"Lượng khách tăng mạnh vào cuối tuần, nhất là từ chiều thứ Bảy đến tối Chủ Nhật.",
			"Giá các mặt hàng thiết yếu nhìn chung ổn định, không có biến động lớn.",
			"Ban tổ chức đã bố trí lực lượng y tế, bảo vệ và tình nguyện viên túc trực suốt chương trình.",
			"Người dân có thể theo dõi thông tin cập nhật trên trang thông tin điện tử của phường.",
			"Trận đấu diễn ra sôi nổi trước sự cổ vũ của hàng nghìn khán giả.",
			"Các gian hàng đều niêm yết giá công khai và nhận thanh toán bằng mã QR.",
			"Thời tiết thuận lợi giúp việc thi công diễn ra đúng kế hoạch.",
			"Đây là năm thứ ba liên tiếp chương trình được tổ chức với quy mô mở rộng.",
			"Một số tuyến đường xung quanh được phân luồng từ 22 giờ đến 5 giờ sáng hôm sau.",
			"Hầu hết phụ huynh đều đồng tình với cách sắp xếp lớp học mới.",
			"Năng suất lúa bình quân ước đạt hơn 6 tấn mỗi hecta, cao hơn vụ trước.",
			"Nhiều tiết mục được dàn dựng công phu, mang đậm bản sắc địa phương.",
			"Lực lượng chức năng tăng cường kiểm tra an toàn thực phẩm và phòng cháy chữa cháy.",
			"Sau buổi làm việc, đoàn đã đi khảo sát thực tế tại một số điểm còn khó khăn.",
			"Đến cuối buổi, phần lớn kiến nghị của người dân đã được giải đáp trực tiếp.",
			"Dự kiến trong năm tới, mô hình sẽ được nhân rộng ra các địa phương lân cận.",
			"Nhiều hộ dân tự nguyện hiến đất, tháo dỡ công trình phụ để mở rộng lối đi.",
			"Hiện các đơn vị đang khẩn trương hoàn thiện hồ sơ để trình cấp có thẩm quyền phê duyệt.",
		},
		subheadings: [...]string{
			"Nhiều kết quả tích cực",
			"Còn không ít khó khăn",
			"Kiến nghị của người dân",
			"Giải pháp trong thời gian tới",
			"Sẵn sàng cho mùa cao điểm",
			"Tín hiệu vui từ thị trường",
			"Người dân đồng tình",
			"Công khai tiến độ thi công",
			"Hiệp hai khác biệt",
			"Nhiều thế hệ cùng một sân khấu",
			"Liên kết để giữ giá",
			"Bảo đảm an toàn cho học sinh",
			"Thanh toán không dùng tiền mặt",
			"Vượt tiến độ nhờ tăng ca",
			"Lan tỏa sau lễ hội",
			"Những con số ấn tượng",
			"Chờ ngày về đích",
			"Nỗi lo chi phí đầu vào",
			"Gần dân, sát dân",
			"Không để ai bị bỏ lại phía sau",
			"Hướng tới mùa giải mới",
			"Giữ nghề truyền thống",
			"Khách quốc tế thích thú",
			"Tăng cường kiểm tra, giám sát",
		},
		captions: [...]string{
			"Quang cảnh buổi làm việc",
			"Đại biểu phát biểu tại hội nghị",
			"Tiểu thương chuẩn bị hàng hóa phục vụ dịp cuối năm",
			"Các cầu thủ ăn mừng bàn thắng",
			"Công nhân thi công trên công trường",
			"Người dân góp ý tại buổi đối thoại",
			"Học sinh trong ngày đầu nhận lớp mới",
			"Nông dân thu hoạch lúa trên cánh đồng",
			"Khách tham quan chụp ảnh tại lễ hội",
			"Vận động viên xuất phát ở cự ly 10 km",
			"Lãnh đạo phường trao quà cho các hộ khó khăn",
			"Tiết mục biểu diễn trong đêm khai mạc",
			"Xe tải chờ vào chợ đầu mối lúc nửa đêm",
			"Bốc xếp gạo xuất khẩu tại cảng",
			"Tình nguyện viên hướng dẫn người dân phân loại rác",
			"Đoàn công tác khảo sát thực tế tuyến hẻm",
			"Khán giả cổ vũ trên khán đài",
			"Các em nhỏ đọc sách tại góc đọc thiếu nhi",
			"Nghệ nhân hướng dẫn học sinh làm lồng đèn",
			"Toàn cảnh đoạn cầu cạn vừa hợp long",
		},
		titleVerbs: [...]string{
			"Đẩy nhanh tiến độ",
			"Người dân đồng thuận với",
			"Nhiều kết quả tích cực từ",
			"Lấy ý kiến cử tri về",
			"Khởi động",
			"Hoàn thành giai đoạn một",
			"Tháo gỡ vướng mắc cho",
			"Sôi nổi",
			"Công bố kế hoạch triển khai",
			"Kỳ vọng vào",
			"Rà soát toàn diện",
			"Nâng chất lượng",
			"Mở rộng",
			"Tăng cường giám sát",
		},
		tags: [...]string{
			"thời sự",
			"kinh tế",
			"giao thông",
			"giáo dục",
			"văn hóa",
			"lễ hội",
			"bóng đá",
			"chợ truyền thống",
			"nông nghiệp",
			"xuất khẩu",
			"môi trường",
			"đô thị",
			"du lịch",
			"thể thao phong trào",
			"chuyển đổi số",
			"an sinh xã hội",
		},
		linkTexts: [...]string{
			"trang thông tin của phường",
			"cổng thông tin của Sở Công Thương",
			"trang của ban tổ chức",
			"thông báo chính thức",
			"bản đồ các điểm thi công",
			"lịch thi đấu đầy đủ",
		},
		familyNames: [...]string{
			"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
			"Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
		},
		maleMiddles:   [...]string{"Văn", "Minh", "Hữu", "Quốc", "Đức", "Hoàng", "Thanh"},
		femaleMiddles: [...]string{"Thị", "Ngọc", "Thu", "Kim", "Thanh", "Bảo"},
		maleGivens: [...]string{
			"An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khôi",
			"Long", "Nam", "Phúc", "Quân", "Tuấn", "Khang", "Lộc",
		},
		femaleGivens: [...]string{
			"Hà", "Hạnh", "Lan", "Linh", "Mai", "Nga", "Thảo",
			"Trâm", "Yến", "Hồng", "Ngân", "Diễm", "Phượng", "Tâm",
		},
	}
}

// categoryList is the portal's usual sections, folder slug and display name.
func categoryList() [12][2]string {
	return [...][2]string{
		{"thoi-su", "Thời sự"},
		{"kinh-te", "Kinh tế"},
		{"van-hoa", "Văn hóa"},
		{"the-thao", "Thể thao"},
		{"giao-duc", "Giáo dục"},
		{"suc-khoe", "Sức khỏe"},
		{"phap-luat", "Pháp luật"},
		{"do-thi", "Đô thị"},
		{"nong-nghiep", "Nông nghiệp"},
		{"du-lich", "Du lịch"},
		{"khoa-hoc-cong-nghe", "Khoa học - Công nghệ"},
		{"ban-doc", "Bạn đọc"},
	}
}
