"""Complaint category of a negative mention: a classifier over words, character pairs and weighted cue phrases.

The cue phrases below were written the way consumers complain across trades, and on complaints written by
someone who never saw them they file about three in four correctly; the rest say what is wrong in words no
list foresaw. ``CategoryModel`` is a multinomial logistic regression whose inputs are the six cue sums plus the
complaint's characters and character pairs, trained on complaints written for this project
(``train_category_model``), so a cue still decides when it is there and the characters decide when none is.

A text is a complaint when the sentiment model calls it negative (P(positive) < 0.5); other texts get
category ``None``. A complaint whose cues name no category, or whose cues are about price and billing,
privacy and marketing harassment, account and membership rules or the premises, is 其他.

Cues are substrings of the simplified text, not tokens, so they hold however jieba cut the sentence. They
are written the way consumers write across trades (appliances, phones, cars, food delivery, shops, telecoms,
airlines, hotels, banks, cosmetics), not the way one shop's reviews happen to read. Weight 3 is a phrase
that settles the category on its own (送错, 态度恶劣, 修不好), 2 a strong hint that a second cue must
confirm (屏幕, 没几天), 1 a topic word that only breaks ties (快递, 客服). The category with the highest
sum wins, so a text with several issues goes to the one it says most about; ties go to the earlier
category in ``CATEGORIES``, the more concrete one.

All cues go into one regex, longest first, so one pass finds them and a long cue hides the short ones
inside it: 态度恶劣 counts once, not also as 态度, and ``PRAISE`` phrases (质量不错, 物流很快) hide the
topic word they praise without adding anything.
"""

from __future__ import annotations

import gzip
import json
import marshal
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import add
from pathlib import Path

import numpy as np

CATEGORIES = ("产品质量", "服务态度", "交付物流", "售后", "信息沟通", "其他")
OTHER = "其他"


def _tiers(strong: str, hint: str = "", topic: str = "") -> dict[str, int]:
    return {**dict.fromkeys(topic.split(), 1), **dict.fromkeys(hint.split(), 2), **dict.fromkeys(strong.split(), 3)}


CUES: Mapping[str, Mapping[str, int]] = {
    "产品质量": _tiers(
        # Defects, breakage and bad workmanship.
        "质量问题 质量差 质量太差 质量很差 质量不行 质量不好 质量堪忧 质量也太 质量真 做工粗糙 做工差 "
        "粗制滥造 偷工减料 以次充好 瑕疵 次品 残次品 劣质 伪劣 三无 假货 山寨 仿冒 不合格 超标 缺陷 "
        "开裂 裂了 裂开 裂缝 开胶 脱胶 断裂 断了 掉漆 脱漆 掉色 褪色 串色 生锈 锈迹 起球 跑绒 钻绒 "
        "脱线 开线 破洞 塌陷 变形 松动 晃动 散架 缩水 漏水 渗水 漏油 渗油 漏气 漏风 漏电 漏光 "
        "进灰 进水 起雾 坏点 卡纸 "
        # Malfunction of appliances, phones, computers and cars.
        "异响 杂音 电流声 噪音大 死机 黑屏 蓝屏 白屏 花屏 闪屏 绿线 闪退 卡顿 卡死 反复重启 自动重启 "
        "自动关机 开不了机 开不开机 无法开机 不开机 充不进电 充不上电 不充电 掉电快 耗电快 发烫 烫手 "
        "过热 发热严重 断网 掉线 没信号 信号差 失灵 失效 故障 短路 不工作 不运转 不启动 启动不了 "
        "打不着火 熄火 抖动 顿挫 烧机油 不出水 不加热 不制冷 不制热 不保温 不亮 断触 连不上 "
        "连接不上 识别不了 无法识别 不好使 不能用 用不了 没法用 无法使用 不能使用 坏了 坏掉 "
        "吸力 洗不干净 白洗 没效果 毫无效果 效果差 没有效果 没什么效果 效果不明显 "
        "没声音 不出声 没画面 不显示 不出风 出热风 不出热水 转不动 不动了 打不开 关不上 合不上 拉不开 "
        "脱落 掉皮 起皮 起泡 发黄 线头 毛边 污渍 凹陷 凹痕 刮花 掉渣 打滑 不防水 堵塞 误差 不稳定 不灵敏 "
        "很卡 太卡 掉帧 充不满 耗油 油耗高 不耐用 不结实 假的 不是正品 一碰就 一拉就 一洗就 轻轻一 "
        "就坏 就破 就断 就裂 就烂 就不行 又坏 破了 才用 刚用 用了不到 没用几天 用了几天 才穿 穿了一次 "
        "洗了一次 才骑 骑了 才开 难吃 太咸 长虫 有虫 吃出 喝出 "
        # Safety and spoiled food or cosmetics.
        "鼓包 起火 自燃 爆炸 冒烟 烧坏 烧焦 安全隐患 割手 扎手 变质 发霉 霉变 长毛 绿毛 馊 酸臭 腐烂 "
        "烂了 烂的 不新鲜 异物 虫子 活虫 蟑螂 苍蝇 头发 钢丝 玻璃渣 夹生 没熟 异味 怪味 臭味 刺鼻 "
        "甲醛 过敏 红肿 烂脸 刺痛 爆痘 起疹子 红疹 拉肚子 腹泻 上吐下泻 呕吐 食物中毒",
        "质量 做工 材质 电池 屏幕 续航 耗电 信号 发热 噪音 故障灯 刹车 变速箱 发动机 保质期 过期 "
        "划痕 色差 没几天 没用多久 用了没多久 刚买 新买 才买 质检 危险 没反应 重启 损坏 毛病 不灵 "
        "发酸 没用 烫 漏 堵 不准 偏差 反应慢 油耗 尺码 偏大 偏小 不合身 黑点 磨损 起皱 正品 烧了 不好吃 凉透",
        "问题 东西 效果 功能 味道 声音 用了 吃了 喝了 产品 机器 数据 掉 坏",
    ),
    "服务态度": _tiers(
        "态度差 态度恶劣 态度很差 态度极差 态度太差 态度不好 态度傲慢 态度冷淡 态度敷衍 服务态度 服务差 "
        "服务很差 服务太差 语气很差 语气不好 语气冲 说话难听 说话很冲 不耐烦 没耐心 爱答不理 爱搭不理 "
        "爱理不理 理都不理 不理人 不搭理 没人搭理 翻白眼 甩脸色 摆脸色 给脸色 没好脸 黑着脸 板着脸 "
        "冷着脸 冷嘲热讽 冷言冷语 阴阳怪气 嘲笑 嘲讽 讽刺 挖苦 骂 吼 凶 呵斥 训斥 大喊大叫 爆粗口 "
        "脏话 贬低 看不起 瞧不起 狗眼看人低 歧视 羞辱 侮辱 不尊重 没礼貌 不礼貌 没有礼貌 无礼 素质 "
        "傲慢 冷漠 敷衍 一问三不知 不专业 外行 威胁 恐吓 吵架 争吵 推搡 动手 打人 恶劣 怪我 事多 "
        "嫌我 嫌弃 不听 打断 挂电话 挂我电话 刁难 为难 蛮横 霸道 嚣张 不屑 爱买不买 见多了 发脾气 "
        "发火 赶出去 不当回事 无所谓 爱咋咋地 爱找谁找谁 随便你 有本事 去投诉吧 说我矫情 说我不懂 嫌麻烦 懒得 "
        "转身就走 头也不抬 玩手机 只顾着 不情不愿 没好气 冲我 训我 说教 甩手",
        "脸色 语气 口气 脾气 说我 怪我们 凶巴巴",
        "态度 店员 导购 服务员 营业员 收银员 柜员 前台 销售 顾问 教练 司机 师傅 工作人员 员工 保安 "
        "护士 护工 医生 老师 店长 经理 老板 老板娘 空姐 乘务员 地勤 客服",
    ),
    "交付物流": _tiers(
        "物流 快递 包裹 配送 送货 送达 派送 派件 揽收 揽件 中转 转运 驿站 快递柜 丰巢 签收 代签 "
        "冒领 丢件 丢了 弄丢 丢失 少件 少发 漏发 发错 送错 错发 寄错 少送 暴力分拣 暴力运输 压扁 "
        "压坏 压碎 摔坏 摔碎 磕 外包装 外箱 包装破损 发货 未发货 不发货 没发 还没到 没收到 未收到 "
        "收不到 没送到 交付 交车 提车 运输 清关 托运 行李 骑手 配送员 外卖员 送餐 超时 迟到 送晚 "
        "晚到 洒了 撒了 汤洒 凉了 不送上门 放门口 一拖再拖 爽约 放鸽子 没上门 没来安装 没人来 "
        "白等 延误 误机 快递员 送货员 一直没到 迟迟没到 迟迟不发 迟迟没发 几天了还没 物流不动 物流停 不更新 没人送 "
        "预计送达 送达时间 没来 不来了 改约 等了一上午 等了一下午 等了一天 等了一整天 请假在家 延期 延迟 推迟",
        "送到 送来 到货 到手 破损 碎了 晚点 约好 预约 晚了 迟了 上门时间",
        "路上 包装 安装",
    ),
    "售后": _tiers(
        "售后 维修 修好 修不好 没修好 修了 修完 送修 报修 返修 返厂 寄修 维修点 网点 保修 过保 "
        "拒保 不给保 不保修 不保了 质保 延保 三包 保养 召回 退货 退换 无理由 退款 退费 退票 退钱 "
        "退全款 退差价 不退 不给退 不能退 不予退 拒绝退 退不了 退不回 仅退款 换货 换新 不给换 "
        "不能换 理赔 拒赔 赔付 赔偿 索赔 价保 工单 人为损坏 踢皮球 推诿 推脱 推来推去 扯皮 甩锅 "
        "自费 加钱 手续费 检测费 上门费 维修费 换屏 配件 处理方案 解决方案 没人管 不管了 不负责 "
        "没人处理 不处理 不解决 一直拖 拖着 押金 扣钱 不来修 寄回 退回 "
        "送去修 拿去修 去修 修过 修一次 修了几次 上门检测 鉴定 检测报告 非质量问题 不属于质量问题 "
        "人为 收费维修 付费维修 补偿 没退 还没退 迟迟不退 没到账 未到账 换主板 换电池 等配件 没配件 缺配件",
        "申请 驳回 检测 拖 到账 来看了 上门看 换了",
        "修 换 退 4S店 师傅 安装 拒绝 审核",
    ),
    "信息沟通": _tiers(
        "虚假宣传 虚假广告 虚假 虚标 夸大 宣传 广告 广告里 描述 详情页 图片 与实物 图文不符 货不对板 "
        "名不副实 不符 不一致 误导 欺骗 欺诈 套路 隐瞒 隐藏 小字 霸王条款 没告知 未告知 不告知 "
        "不告诉 没告诉 没通知 未通知 没提醒 没提示 未提示 没说明 没解释 说不清 没写清楚 没标 标价 "
        "宣称 号称 承诺 说法不一 各说各的 前后矛盾 自相矛盾 前后不一 一会说 一会儿说 改口 不回 "
        "没回 不回复 没有回复 未回复 没人回复 已读不回 石沉大海 杳无音信 没消息 没下文 没有下文 "
        "联系不上 找不到人 打不通 没人接 无人接听 不接电话 占线 转人工 人工客服 机器人 自动回复 "
        "模板 话术 复制粘贴 口径 说明书 翻新 没人联系 联系我 不说 没说 没提前说 没人说 不透明 "
        "答复 没有答复 不答复 说法 说辞 忽悠 画饼 宣传的 宣传说 页面上 页面显示 标着 标注 写明 明明写 "
        "口头承诺 合同里 合同上 条款 附加条件 不包括 不包含 没说清楚 没讲清楚 事先没 事前没 提前说 "
        "临时通知 突然通知 擅自 这个说 那个说 每次都说 互相矛盾 查不到",
        "写着 写的是 说是 说好 说好的 说的是 答应 又说 骗 通知 介绍 解释",
        "客服 电话 消息 短信 回复 说明 信息 官网 直播间 主播 合同 规则",
    ),
    OTHER: _tiers(
        "杀熟 涨价 贵了 太贵 价格高 乱收费 乱扣费 扣费 多收 多扣 收费 自动续费 续费 会员 积分 "
        "优惠券 满减 红包 服务费 个人信息 泄露 隐私 营销 骚扰 推送 推销 推销电话 营销短信 弹广告 "
        "弹窗 开屏广告 拉群 拉进 加微信 群发 封号 被封 账号 登录 登不上 验证码 注销 实名 排队 "
        "叫号 停车 管理费 超时费 年费 物业费 配送费 门票 抽奖 预装 授权 强制更新 搭售 捆绑 好评返现 "
        "黄牛 施工 吸烟 抽烟 环境差 环境太差 环境很差 卫生差 房间脏 脏乱 "
        "发广告 广告短信 广告电话 垃圾短信 短信轰炸 电话轰炸 天天打电话 退订 登陆 "
        "解绑 话费 账单 利息 排长队 溢价 加价 坐地起价 价格翻倍 装修 厕所",
        "环境 噪音 密码 一直打电话 绑定 人脸识别 等级 权益 套餐 流量 扣款 违约金 原价 定价 收我 贵",
        "价格 便宜 贵 钱 吵 脏",
    ),
}

# Praise of a topic ("物流很快，但是质量太差"), matched only to hide the topic word inside it.
PRAISE = (
    "质量不错 质量很好 质量挺好 质量还行 质量还可以 质量没问题 质量没得说 东西不错 东西没问题 产品没问题 "
    "态度很好 态度挺好 态度不错 态度还行 态度还可以 服务很好 服务不错 客服很好 "
    "物流很快 物流挺快 物流还行 快递很快 快递挺快 发货很快 发货挺快 送货很快 包装很好 包装不错"
).split()

_CUE_WEIGHTS: dict[str, list[tuple[int, int]]] = {cue: [] for cue in PRAISE}
for _index, _category in enumerate(CATEGORIES):
    for _cue, _weight in CUES[_category].items():
        _CUE_WEIGHTS.setdefault(_cue, []).append((_index, _weight))


def _trie_pattern(words: list[str]) -> str:
    """One regex matching the longest of ``words`` that starts at a position, factored by shared prefix.

    A flat alternation of a thousand cues tries every one at every character; the factored form tries one
    branch per character, which keeps the category pass a small fraction of the jieba pass.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return (body if len(branches) > 1 or len(body) == 1 else "(?:" + body + ")") + "?"

    return pattern(trie)


_CUE_RE = re.compile(_trie_pattern(list(_CUE_WEIGHTS)))


def category_scores(text: str) -> list[int]:
    """The summed cue weight of each category (same order as ``CATEGORIES``) in a simplified text."""
    scores = [0] * len(CATEGORIES)
    for cue in _CUE_RE.findall(text):
        for index, weight in _CUE_WEIGHTS[cue]:
            scores[index] += weight
    return scores


def cue_category(text: str) -> str:
    """The category the cues alone choose for a simplified complaint text (其他 when none fires)."""
    scores = category_scores(text)
    best = max(scores)
    return CATEGORIES[scores.index(best)] if best > 0 else OTHER


FORMAT = "yuqing-category/1"
_NLP_DIR = Path(__file__).parent
DEFAULT_CATEGORY_MODEL_PATH = _NLP_DIR / "models" / "category.marshal.gz"
# The even rows of the development set and the training set: complaints written for this project. The odd rows of
# complaints.jsonl stay out as a development check, and complaints_independent.jsonl (written blind) never enters.
TRAINING_SETS = (_NLP_DIR / "eval" / "complaints.jsonl", _NLP_DIR / "train" / "complaints_train.jsonl")
# The cue sums enter the model divided by this, so that one strong cue (weight 3) is one unit of evidence.
CUE_SCALE = 3.0
CATEGORY_C = 4.0


def category_features(text: str) -> list[str]:
    """The characters and character pairs of a simplified text."""
    return [*text, *map(add, text, text[1:])]


@dataclass
class CategoryModel:
    """Per-category weights of each feature, of each category's cue sum, and a bias."""

    features: list[str]
    weights: np.ndarray  # len(features) x len(CATEGORIES)
    cue_weights: np.ndarray  # len(CATEGORIES) x len(CATEGORIES)
    bias: np.ndarray

    def __post_init__(self) -> None:
        # Scoring one complaint touches a hundred rows of six numbers: numpy's per-call overhead would cost more
        # than the arithmetic, so the rows are plain tuples summed column by column in C (``map(sum, zip(...))``).
        self._rows = dict(zip(self.features, map(tuple, self.weights.tolist()), strict=True))
        self._cue_rows = [tuple(row) for row in self.cue_weights.tolist()]
        self._bias = tuple(self.bias.tolist())

    def classify(self, text: str) -> str:
        """The category of a simplified text known to be a complaint."""
        cue_rows = [
            [cue_sum / CUE_SCALE * weight for weight in row]
            for cue_sum, row in zip(category_scores(text), self._cue_rows, strict=True)
            if cue_sum
        ]
        scores = list(self._bias)
        if cue_rows:
            scores = [score + total for score, total in zip(scores, map(sum, zip(*cue_rows, strict=True)), strict=True)]
        rows = [row for row in map(self._rows.get, category_features(text)) if row is not None]
        if rows:
            root = math.sqrt(len(rows))
            totals = map(sum, zip(*rows, strict=True))
            scores = [score + total / root for score, total in zip(scores, totals, strict=True)]
        return CATEGORIES[scores.index(max(scores))]

    def save(self, path: str | Path) -> None:
        state = {
            "format": FORMAT,
            "categories": list(CATEGORIES),
            "features": self.features,
            "weights": self.weights.round(4).tolist(),
            "cue_weights": self.cue_weights.round(4).tolist(),
            "bias": self.bias.round(4).tolist(),
        }
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
            handle.write(marshal.dumps(state))


def load_category_model(path: str | Path | None = None) -> CategoryModel:
    """The model ``CategoryModel.save`` wrote (the shipped one when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_CATEGORY_MODEL_PATH
    try:
        with gzip.open(path, "rb") as handle:
            state = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a complaint-category model ({exc})") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT or tuple(state["categories"]) != CATEGORIES:
        raise ValueError(f"{path}: not a {FORMAT} model for the categories {CATEGORIES}")
    return CategoryModel(
        state["features"], np.array(state["weights"]), np.array(state["cue_weights"]), np.array(state["bias"])
    )


def training_complaints() -> list[tuple[str, str]]:
    """(text, category) of every complaint the classifier is trained on."""
    from nlp.text import to_simplified

    rows = []
    for path in TRAINING_SETS:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if path.name == "complaints.jsonl":
            lines = [row for row in lines if row["category"]][0::2]
        rows.extend((to_simplified(row["text"]), row["category"]) for row in lines)
    return rows


def train_category_model(rows: Sequence[tuple[str, str]] | None = None) -> CategoryModel:
    """Fit the classifier on (simplified text, category) pairs; the project's own complaints by default."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    rows = list(rows) if rows is not None else training_complaints()
    texts = [text for text, _ in rows]
    counts: dict[str, int] = {}
    for text in texts:
        for feature in set(category_features(text)):
            counts[feature] = counts.get(feature, 0) + 1
    features = sorted(feature for feature, count in counts.items() if count >= 2)
    index = {feature: column for column, feature in enumerate(features)}
    indptr, indices, data = [0], [], []
    for text in texts:
        columns = [index[f] for f in category_features(text) if f in index]
        for column in sorted(set(columns)):
            indices.append(column)
            data.append(columns.count(column) / np.sqrt(len(columns)))
        indptr.append(len(indices))
    words = csr_matrix((data, indices, indptr), shape=(len(texts), len(features)))
    cues = csr_matrix(np.array([category_scores(text) for text in texts]) / CUE_SCALE)
    labels = np.array([CATEGORIES.index(category) for _, category in rows])
    model = LogisticRegression(C=CATEGORY_C, max_iter=2000).fit(hstack([words, cues]).tocsr(), labels)
    coef = model.coef_.T  # features x categories
    return CategoryModel(features, coef[: len(features)], coef[len(features):], model.intercept_)


_default_model: CategoryModel | None = None


def categorize(text: str, is_complaint: bool, model: CategoryModel | None = None) -> str | None:
    """The complaint category of a simplified text, ``None`` when it is not a complaint."""
    global _default_model
    if not is_complaint:
        return None
    if model is None:
        if _default_model is None:
            _default_model = load_category_model()
        model = _default_model
    return model.classify(text)
