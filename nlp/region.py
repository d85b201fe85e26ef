"""Province-level region of a mention: from the site's own field when there is one, else from the text.

Regions are short province names (广东, 北京, 新疆, 香港). Places outside China give ``None``: the monitor
maps provinces, and a foreign IP says nothing about where a complaint happened.
"""

from __future__ import annotations

import re

PROVINCES = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)

# Prefecture-level cities people name in posts, by province. Left out on purpose: names that are also common
# words or street names (开封 "unsealed", 大同 "much the same", 中山 路, 安康 "well-being", 白山, 吉安).
CITIES = {
    "河北": "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 雄安",
    "山西": "太原 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 阳泉",
    "辽宁": "沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳市 葫芦岛",
    "吉林": "长春 四平 辽源 通化 松原 白城 延边 延吉",
    "黑龙江": "哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化",
    "江苏": "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 昆山 江阴",
    "浙江": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌",
    "安徽": "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山市 滁州 阜阳 宿州 六安 亳州 池州 宣城",
    "福建": "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 晋江",
    "江西": "南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 宜春 上饶 抚州",
    "山东": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽",
    "河南": "郑州 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店",
    "湖北": "武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施",
    "湖南": "长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西",
    "广东": "广州 深圳 珠海 汕头 佛山 韶关 湛江 肇庆 江门 茂名 惠州 梅州 汕尾 河源 阳江 清远 东莞 潮州 "
    "揭阳 云浮",
    "海南": "海口 三亚 儋州 琼海 万宁",
    "四川": "成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳",
    "贵州": "贵阳 六盘水 遵义 安顺 毕节 铜仁 黔东南 黔南",
    "云南": "昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 大理 西双版纳 红河",
    "陕西": "西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 商洛",
    "甘肃": "兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南",
    "青海": "西宁 海东 格尔木",
    "内蒙古": "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布",
    "广西": "南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左",
    "西藏": "拉萨 日喀则 林芝 昌都",
    "宁夏": "银川 石嘴山 吴忠 固原 中卫",
    "新疆": "乌鲁木齐 克拉玛依 吐鲁番 哈密 喀什 伊犁 阿克苏 库尔勒 石河子",
    "台湾": "台北 高雄 台中 台南 新竹",
}
# Full and older names a site may print.
ALIASES = {
    "内蒙": "内蒙古",
    "广西壮族": "广西",
    "宁夏回族": "宁夏",
    "新疆维吾尔": "新疆",
    "西藏自治区": "西藏",
    "臺灣": "台湾",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}

PROVINCE_OF: dict[str, str] = {name: name for name in PROVINCES}
for _province, _cities in CITIES.items():
    for _city in _cities.split():
        PROVINCE_OF[_city] = _province

# Leftmost, then longest: 上海南京路 is 上海, 浙江西湖 is 浙江 not 江西.
_PLACE_RE = re.compile("|".join(re.escape(p) for p in sorted(PROVINCE_OF, key=len, reverse=True)))
_FIELD_PREFIX_RE = re.compile(
    r"^\s*(?:IP\s*属地|IP\s*归属地|属地|发布于|来自|地区|所在地|位置)\s*[:：]?\s*", re.I
)


def normalize_region(value: str) -> str | None:
    """The province of a site's location field: ``IP属地:广东``, ``发布于 北京``, ``广东省``, ``深圳``."""
    if not value:
        return None
    value = _FIELD_PREFIX_RE.sub("", value.strip())
    for alias, province in ALIASES.items():
        if value.startswith(alias):
            return province
    match = _PLACE_RE.match(value) or _PLACE_RE.search(value)
    return PROVINCE_OF[match.group()] if match else None


def region_from_text(text: str) -> str | None:
    """The province of the first place name (province or major city) in a simplified text."""
    match = _PLACE_RE.search(text)
    return PROVINCE_OF[match.group()] if match else None
