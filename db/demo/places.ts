// Demo place data for the Ho Chi Minh Communist Youth Union reporting backend.
// Administrative map in force since 1 July 2025: 34 provinces / centrally-run
// cities and 3,321 commune-level units (communes, wards, special zones).
// Pure data + a tiny helper. No imports.

export interface ProvinceSeed {
  code: string;
  name: string;
  communes: number;
  members: number;
  isCity: boolean;
}

// Total communes over all 34 entries = 3321 (sum is checked by communeTotal()).
// Total members = 5,973,000 (≈ 6 million; demo figures, roughly proportional to population).
export const PROVINCES: readonly ProvinceSeed[] = [
  { code: "HN", name: "Thành phố Hà Nội", communes: 126, members: 600000, isCity: true },
  { code: "HUE", name: "Thành phố Huế", communes: 40, members: 60000, isCity: true },
  { code: "HP", name: "Thành phố Hải Phòng", communes: 114, members: 220000, isCity: true },
  { code: "DN", name: "Thành phố Đà Nẵng", communes: 94, members: 150000, isCity: true },
  { code: "HCM", name: "Thành phố Hồ Chí Minh", communes: 168, members: 750000, isCity: true },
  { code: "CT", name: "Thành phố Cần Thơ", communes: 103, members: 190000, isCity: true },
  { code: "LCU", name: "Tỉnh Lai Châu", communes: 38, members: 30000, isCity: false },
  { code: "DB", name: "Tỉnh Điện Biên", communes: 45, members: 38000, isCity: false },
  { code: "SL", name: "Tỉnh Sơn La", communes: 75, members: 80000, isCity: false },
  { code: "LS", name: "Tỉnh Lạng Sơn", communes: 65, members: 50000, isCity: false },
  { code: "QNI", name: "Tỉnh Quảng Ninh", communes: 54, members: 80000, isCity: false },
  { code: "TH", name: "Tỉnh Thanh Hóa", communes: 166, members: 220000, isCity: false },
  { code: "NA", name: "Tỉnh Nghệ An", communes: 130, members: 210000, isCity: false },
  { code: "HT", name: "Tỉnh Hà Tĩnh", communes: 69, members: 80000, isCity: false },
  { code: "CB", name: "Tỉnh Cao Bằng", communes: 56, members: 35000, isCity: false },
  { code: "TQ", name: "Tỉnh Tuyên Quang", communes: 124, members: 110000, isCity: false },
  { code: "LC", name: "Tỉnh Lào Cai", communes: 99, members: 105000, isCity: false },
  { code: "TN", name: "Tỉnh Thái Nguyên", communes: 92, members: 110000, isCity: false },
  { code: "PT", name: "Tỉnh Phú Thọ", communes: 148, members: 200000, isCity: false },
  { code: "BN", name: "Tỉnh Bắc Ninh", communes: 99, members: 185000, isCity: false },
  { code: "HY", name: "Tỉnh Hưng Yên", communes: 104, members: 180000, isCity: false },
  { code: "NB", name: "Tỉnh Ninh Bình", communes: 129, members: 190000, isCity: false },
  { code: "QT", name: "Tỉnh Quảng Trị", communes: 78, members: 85000, isCity: false },
  { code: "QNG", name: "Tỉnh Quảng Ngãi", communes: 96, members: 120000, isCity: false },
  { code: "GL", name: "Tỉnh Gia Lai", communes: 135, members: 180000, isCity: false },
  { code: "KH", name: "Tỉnh Khánh Hòa", communes: 65, members: 110000, isCity: false },
  { code: "LD", name: "Tỉnh Lâm Đồng", communes: 124, members: 200000, isCity: false },
  { code: "DL", name: "Tỉnh Đắk Lắk", communes: 102, members: 180000, isCity: false },
  { code: "DNA", name: "Tỉnh Đồng Nai", communes: 95, members: 240000, isCity: false },
  { code: "TNI", name: "Tỉnh Tây Ninh", communes: 96, members: 180000, isCity: false },
  { code: "VL", name: "Tỉnh Vĩnh Long", communes: 124, members: 210000, isCity: false },
  { code: "DT", name: "Tỉnh Đồng Tháp", communes: 102, members: 220000, isCity: false },
  { code: "CM", name: "Tỉnh Cà Mau", communes: 64, members: 130000, isCity: false },
  { code: "AG", name: "Tỉnh An Giang", communes: 102, members: 245000, isCity: false },
];

export const PLACE_SYLLABLES: readonly string[] = [
  "An", "Bình", "Phú", "Đông", "Tân", "Hòa", "Thanh", "Long", "Mỹ", "Đức",
  "Vĩnh", "Hưng", "Xuân", "Quảng", "Đại", "Nam", "Bắc", "Trung", "Hải", "Sơn",
  "Lâm", "Thuận", "Phước", "Lộc", "Thịnh", "Yên", "Kim", "Ngọc", "Hồng", "Minh",
  "Quang", "Đồng", "Đăng", "Thái", "Lạc", "Hiệp", "Nghĩa", "Tiến", "Thắng", "Lợi",
  "Đình", "Điền", "Định", "Đạo", "Đoài", "Đào", "Đa", "Đan", "Đắc", "Đạt",
  "Tây", "Thượng", "Hạ", "Cao", "Châu", "Giang", "Hà", "Khánh", "Lương", "Mai",
  "Phong", "Phúc", "Quý", "Tài", "Thành", "Thạch", "Thọ", "Thủy", "Tiên", "Trà",
  "Trường", "Tường", "Văn", "Việt", "Vân", "Vinh", "Xá", "Cát", "Cẩm", "Chánh",
  "Diên", "Dương", "Gia", "Hậu", "Hiền", "Hoàng", "Hội", "Hương", "Khê", "Kiên",
  "Liên", "Linh", "Lĩnh", "Mậu", "Mường", "Na", "Ninh", "Nhơn", "Phương", "Quế",
  "Song", "Tam", "Tịnh", "Toàn", "Trạch", "Triệu", "Trinh", "Tuy", "Tùng", "Uyên",
  "Vạn", "Vọng", "Xương", "Ái", "Ân", "Bảo", "Cẩn", "Chí", "Công", "Cường",
  "Dũng", "Hạnh", "Hiếu", "Hoa", "Khang", "Lập", "Quyết", "Sen", "Tràng", "Vũ",
];

export const REAL_COMMUNES: Readonly<Record<string, readonly string[]>> = {
  HN: [
    "Phường Hoàn Kiếm", "Phường Cửa Nam", "Phường Ba Đình", "Phường Ngọc Hà",
    "Phường Giảng Võ", "Phường Hai Bà Trưng", "Phường Vĩnh Tuy", "Phường Bạch Mai",
    "Phường Đống Đa", "Phường Kim Liên", "Phường Văn Miếu - Quốc Tử Giám", "Phường Láng",
    "Phường Ô Chợ Dừa", "Phường Hồng Hà", "Phường Hoàng Mai", "Phường Định Công",
    "Phường Hoàng Liệt", "Phường Thanh Xuân", "Phường Khương Đình", "Phường Cầu Giấy",
    "Phường Nghĩa Đô", "Phường Yên Hòa", "Phường Tây Hồ", "Phường Phú Thượng",
    "Phường Tây Tựu", "Phường Xuân Đỉnh", "Phường Đông Ngạc", "Phường Từ Liêm",
    "Phường Long Biên", "Phường Bồ Đề", "Phường Việt Hưng", "Phường Hà Đông",
    "Phường Dương Nội", "Phường Sơn Tây", "Phường Tùng Thiện", "Phường Chương Mỹ",
    "Xã Sóc Sơn", "Xã Đông Anh", "Xã Gia Lâm", "Xã Thanh Trì", "Xã Phúc Thọ",
    "Xã Thanh Oai", "Xã Ba Vì", "Xã Mê Linh", "Xã Thạch Thất", "Xã Quốc Oai",
    "Xã Hoài Đức", "Xã Đan Phượng", "Xã Thường Tín", "Xã Phú Xuyên", "Xã Ứng Hòa",
    "Xã Mỹ Đức",
  ],
  LS: [
    "Phường Lương Văn Tri", "Phường Tam Thanh", "Phường Kỳ Lừa", "Phường Đông Kinh",
    "Xã Đồng Đăng", "Xã Hữu Lũng", "Xã Cao Lộc", "Xã Chi Lăng", "Xã Đình Lập",
    "Xã Lộc Bình", "Xã Na Dương", "Xã Tràng Định", "Xã Thất Khê", "Xã Văn Quan",
    "Xã Văn Lãng", "Xã Bình Gia", "Xã Bắc Sơn", "Xã Na Sầm", "Xã Mẫu Sơn",
    "Xã Đồng Mỏ", "Xã Bằng Mạc",
  ],
  HCM: [
    "Phường Sài Gòn", "Phường Bến Thành", "Phường Tân Định", "Phường Cầu Ông Lãnh",
    "Phường Thủ Đức", "Phường Tân Sơn Nhất", "Phường Bình Thạnh", "Phường Gia Định",
    "Phường Gò Vấp", "Phường Hạnh Thông", "Phường An Khánh", "Phường Chợ Lớn",
    "Phường Thủ Dầu Một", "Phường Dĩ An", "Phường Thuận An", "Phường Vũng Tàu",
    "Phường Bà Rịa", "Xã Củ Chi", "Xã Hóc Môn", "Xã Bình Chánh", "Xã Nhà Bè",
    "Xã Cần Giờ", "Đặc khu Côn Đảo",
  ],
};

export const BRANCH_KINDS: readonly string[] = [
  "Chi đoàn Thôn",
  "Chi đoàn Khu phố",
  "Chi đoàn Tổ dân phố",
  "Chi đoàn Bản",
  "Chi đoàn Ấp",
  "Chi đoàn Trường THPT",
  "Chi đoàn Trường THCS",
  "Chi đoàn Trạm Y tế",
  "Chi đoàn Công an xã",
  "Chi đoàn Quân sự",
  "Chi đoàn Cơ quan",
  "Chi đoàn Doanh nghiệp",
];

export const BLOC_NAMES: readonly string[] = [
  "Đoàn Khối các cơ quan tỉnh",
  "Đoàn Khối Doanh nghiệp",
  "Đoàn Trường Đại học",
  "Đoàn Trường Cao đẳng",
  "Đoàn Bệnh viện Đa khoa tỉnh",
];

/** Sum of commune-level units over PROVINCES (expected 3321). */
export function communeTotal(): number {
  return PROVINCES.reduce((a, p) => a + p.communes, 0);
}
