"""Chinese sentiment: a logistic regression over hashed character 1-3 grams, plus a small service lexicon.

The model (zh_sentiment.bin beside this file, int8 weights) is trained by eval/train_sentiment_zh.py on the
online-shopping reviews in ../shared/data/zh_sentiment; reviews say little about how callers complain, so the
lexicon adds what customer-service speech has and reviews lack (投诉, 态度太差, 催了好几次 ...), with negation
(不满意, 没解决) and intensifiers (太, 非常). The logit maps to -1..+1 as tanh(z / 2T): T is calibrated by the
training script so that -0.4 flags about as many positive sentence-length Chinese reviews as VADER's -0.4 flags
positive English review snippets, which keeps the standard's thresholds meaning the same in both languages.

Pure Python and no I/O after import: about 3 crc32 calls per character, tens of microseconds an utterance.
"""

import json
import math
import re
import unicodedata
import zlib
from array import array
from functools import lru_cache
from pathlib import Path

from service.privacy.redact import PLACEHOLDER_RE
from service.text.memo import EntryCost, memoized_by_text

_HERE = Path(__file__).with_name("zh_sentiment")
MODEL_FILE = _HERE / "model.bin"
META_FILE = _HERE / "model.json"

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def cjk_share(text: str) -> float:
    """CJK characters over CJK characters plus Latin words: "我的iPhone坏了" is 4 / 5, "ok 谢谢" 2 / 3."""
    if text.isascii():
        return 0.0  # (most texts: no CJK character, and no need to count the Latin words)
    cjk = len(_CJK.findall(text))
    if not cjk:
        return 0.0
    latin = len(_LATIN_WORD.findall(PLACEHOLDER_RE.sub(" ", text)))  # "[card]" stands for digits, not English
    return cjk / (cjk + latin)


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, every number one placeholder (an order number carries no
    sentiment), and so every redaction placeholder ("[card]" replaced a number, "[email]" an address: neither is
    a feeling), no spaces (speech-to-text puts them anywhere in Chinese)."""
    text = PLACEHOLDER_RE.sub("0", unicodedata.normalize("NFKC", text))
    return _SPACE.sub("", _DIGITS.sub("0", text.lower()))


# What callers talk about, not how they feel about it. Reviews name the courier or the room mostly to complain,
# so a model that saw them would read "请帮我查一下物流" as negative; each becomes one placeholder, in training
# and in scoring alike, and the words around it carry the sentiment ("物流太慢").
TOPICS = (
    "订单号", "订单", "单号", "运单", "物流", "快递员", "快递", "包裹", "发货", "收货", "配送", "外卖", "退货",
    "换货", "售后", "客服", "电话", "手机号", "号码", "地址", "账单", "账户", "发票", "商品", "产品", "房间",
    "前台", "酒店",
)  # fmt: skip
_TOPIC = "\ue000"
_TOPIC_RE = re.compile("|".join(sorted(map(re.escape, TOPICS), key=len, reverse=True)))


def ngrams(text: str) -> list[str]:
    """Character 1-, 2- and 3-grams of the normalised text, topics masked, with ^ and $ marking its ends."""
    s = f"^{_TOPIC_RE.sub(_TOPIC, normalize(text))}$"
    out = [s[i : i + n] for n in (1, 2, 3) for i in range(len(s) - n + 1)]
    return [g for g in out if g not in ("^", "$")]


def buckets(text: str, size: int) -> set[int]:
    """Hashed feature indexes (binary: a gram counts once); crc32 because it is stable across processes."""
    return {zlib.crc32(g.encode()) % size for g in ngrams(text)}


# Service speech that reviews rarely contain: word -> logit added (negative = complaint). Kept short and
# general (how people complain), not strings of any test set.
COMPLAINT = {
    "投诉": -3.0,
    "差评": -2.5,
    "举报": -2.5,
    "退款": -1.5,
    "退钱": -2.0,
    "赔偿": -1.5,
    "骗子": -3.0,
    "骗人": -3.0,
    "欺骗": -2.5,
    "垃圾": -3.0,
    "态度差": -3.0,
    "态度恶劣": -3.0,
    "太差": -2.5,
    "很差": -2.0,
    "差劲": -2.5,
    "生气": -2.5,
    "气死": -3.0,
    "愤怒": -3.0,
    "火大": -2.5,
    "无语": -2.0,
    "失望": -2.0,
    "恶心": -2.5,
    "坑人": -2.5,
    "忽悠": -2.0,
    "敷衍": -2.5,
    "推脱": -2.0,
    "踢皮球": -2.5,
    "催了": -2.0,
    "一直没": -1.5,
    "还没到": -1.5,
    "还没有到": -1.5,
    "怎么回事": -1.5,
    "搞什么": -2.5,
    "什么破": -2.5,
    "受不了": -2.0,
    "太慢": -2.0,
    "丢了": -1.5,
    "坏了": -1.5,
    "没人管": -2.5,
    "不负责": -2.5,
    "不耐烦": -2.0,
    "麻烦死": -2.5,
    "送错": -2.0,
    "发错": -2.0,
    "漏发": -2.0,
    "破损": -2.0,
    "凉了": -1.5,
    "少了": -1.0,
}
# Positive words that a negation turns into complaints: 不满意, 没解决, 不专业.
POSITIVE = {
    "谢谢": 2.0,
    "感谢": 2.0,
    "多谢": 2.0,
    "满意": 2.0,
    "解决了": 2.0,
    "太好了": 2.5,
    "辛苦": 1.5,
    "专业": 1.5,
    "耐心": 1.5,
    "负责": 1.0,
    "及时": 1.0,
    "好的": 1.0,
    "可以": 0.5,
    "没问题": 1.0,
    "方便": 1.0,
}
# Requests in polite form: reviews use 麻烦 and 请问 in complaints ("麻烦死了"), callers to ask ("麻烦您查一下").
POLITE = {"麻烦您": 1.0, "麻烦你": 1.0, "麻烦帮": 1.0, "请问": 0.5, "请帮": 0.5}
NEGATIONS = ("不", "没", "没有", "别", "未", "无", "不太", "不是很", "并不")
INTENSIFIERS = {"太": 1.5, "非常": 1.5, "特别": 1.5, "真": 1.3, "真的": 1.3, "超级": 1.6, "极其": 1.8, "很": 1.2}
_LEXICON = {**COMPLAINT, **POSITIVE, **POLITE}
_LEXICON_RE = re.compile("|".join(sorted(map(re.escape, _LEXICON), key=len, reverse=True)))


def lexicon_logit(text: str) -> tuple[float, tuple[str, ...]]:
    """Sum of the lexicon words found (longest first, no overlaps), each flipped by a negation and scaled by an
    intensifier just before it; with the words found, for evidence and tests."""
    s = normalize(text)
    total, found = 0.0, []
    for m in _LEXICON_RE.finditer(s):
        word, value = m.group(), _LEXICON[m.group()]
        before = s[max(0, m.start() - 4) : m.start()]
        if word in POSITIVE and before.endswith(NEGATIONS):
            value, word = -1.5 * value, f"~{word}"  # 不满意 is a complaint, stronger than 满意 is praise
        for intensifier, factor in INTENSIFIERS.items():
            if before.endswith(intensifier):
                value *= factor
                break
        total += value
        found.append(word)
    return total, tuple(found)


class Model:
    """The shipped weights: int8 per hashed bucket times `scale`, and the calibration temperature.

    No intercept: the fitted one (about -0.8) stands for what reviews of average length say beyond their words,
    and would make every short factual utterance ("我的订单号是12345") read negative; without it, a text with no
    word of either polarity scores about 0."""

    def __init__(self, weights: array, scale: float, temperature: float) -> None:
        self.weights, self.scale, self.temperature = weights, scale, temperature
        self.size = len(weights)

    @classmethod
    def load(cls, model_file: Path = MODEL_FILE, meta_file: Path = META_FILE) -> "Model":
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        weights = array("b")
        weights.frombytes(model_file.read_bytes())
        if len(weights) != meta["buckets"]:
            raise ValueError(f"{model_file}: {len(weights)} weights, {meta_file} says {meta['buckets']}")
        return cls(weights, meta["scale"], meta["temperature"])

    def model_logit(self, text: str) -> float:
        w = self.weights
        return self.scale * sum(w[i] for i in buckets(text, self.size))

    def logit(self, text: str) -> float:
        return self.model_logit(text) + lexicon_logit(text)[0]

    def score(self, text: str) -> float:
        """-1 .. +1, on VADER's scale (see the module docstring for the calibration)."""
        return polarity_of_logit(self.logit(text), self.temperature)


def polarity_of_logit(z: float, temperature: float) -> float:
    """tanh(z / 2T), i.e. 2 p - 1 of the tempered probability; 4 decimals like VADER's compound."""
    return round(math.tanh(z / (2 * temperature)), 4)


@lru_cache(maxsize=1)
def shipped() -> Model:
    return Model.load()


@memoized_by_text(EntryCost(400, 1, 4))
def score(text: str) -> float:
    return shipped().score(text)
