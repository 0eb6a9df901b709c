"""Sentiment of each utterance, and the customer-sentiment rule a supervisor reads from it.

Each utterance is scored on -1 .. +1 by the analyzer of its script (the standard's `sentiment.analyzers`):
vaderSentiment's compound on the raw text for English, callqa's Chinese model (sentiment_zh) for Chinese and
mixed text. The text goes to VADER exactly as spoken or written: VADER reads punctuation, capitals and emoticons,
so any clean-up here would change its scores (stripping punctuation drops its tweet correlation from 0.872 to
0.836). That per-utterance score is what evidence reports, unchanged.

The rules (the customer_sentiment item, its alert, the empathy rule's "upset") read a judged score instead:
the same number, except that a turn can only read negative through a word that is not neutral in service talk.
VADER has "no" (ac no 9874), "po" (po box 8963), "rob" (a customer named Rob), "sorry" and numbers such as 86 in
its lexicon; a customer turn whose only negative words are in the standard's `neutral_words`, next to a number,
a name after "my name is" or what the customer apologises for ("sorry for the delay") is judged max(score, 0):
factual, never angry. Agent turns keep their score (no rule reads them).
"""

import re
import string
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import NEGATE

from service.scoring import sentiment_zh, vader
from service.scoring.timeline import Timeline, Turn, turn_evidence
from service.scoring.types import Evidence, ScoreItem, SentimentSummary, Status
from service.standards.schema import SentimentAnalyzers, SentimentStandard
from service.text.memo import MISSING, EntryCost, TextMemo, memoized_by_text

_NEGATIONS = frozenset(NEGATE)
_DIGIT = re.compile(r"\d")
_NAME_INTRO = frozenset({"named", "names", "name's"})


@memoized_by_text(EntryCost(400, 1, 4))
def polarity(text: str) -> tuple[float, float, float, float]:
    """(neg, neu, pos, compound) of one text, as vaderSentiment 3.3.2 reports them (computed by scoring.vader)."""
    return vader.polarity_scores(text)


def compound(text: str) -> float:
    return polarity(text)[3]


def analyzer_of(text: str, analyzers: SentimentAnalyzers) -> str:
    """The analyzer that scores this text: Chinese when enough of it is CJK (see sentiment_zh.cjk_share)."""
    if analyzers.zh != "vader" and sentiment_zh.cjk_share(text) >= analyzers.zh_min_cjk_share:
        return analyzers.zh
    return analyzers.en


def utterance_score(text: str, std: SentimentStandard) -> float:
    return _FACTS.get(text, std).score


def negative_words(text: str, neutral: frozenset[str]) -> tuple[str, ...]:
    """The words through which VADER can read this text as negative (negative in its lexicon, or a negation),
    leaving out the neutral ones: listed, next to a number, the two words after "name is", or the three after
    "sorry for"."""
    raw = text.split()
    words = [t.lower().strip(string.punctuation) or t.lower() for t in raw]
    numeric = [bool(_DIGIT.search(t)) for t in raw]
    named: set[int] = set()  # a name, or what a customer apologises for: "sorry for the delay" is politeness, not anger
    for i, w in enumerate(words):
        if w in _NAME_INTRO or (w == "is" and i > 0 and words[i - 1] == "name"):
            named.update((i + 1, i + 2))
        elif w in ("for", "about") and i > 0 and words[i - 1] == "sorry":
            named.update((i + 1, i + 2, i + 3))
    out = []
    for i, (token, word) in enumerate(zip(raw, words, strict=True)):
        lowered = token.lower()
        if not (vader.LEXICON.get(word, 0) < 0 or vader.LEXICON.get(lowered, 0) < 0 or word in _NEGATIONS):
            continue
        beside_number = numeric[i] or (i > 0 and numeric[i - 1]) or (i + 1 < len(raw) and numeric[i + 1])
        if word in neutral or beside_number or i in named:
            continue
        out.append(word)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class UtteranceSentiment:
    """What sentiment makes of one text under one standard: derived once, read on every rescore."""

    score: float  # the analyzer's score, as evidence reports it
    judged: float  # the score as the rules read it (see the module docstring)
    method: str  # the analyzer


class _FactsOfStandard:
    """Each text's `UtteranceSentiment` under the standard last asked about (one is in force per process; a
    backtest's candidate standard simply starts a new table). Bounded by entries and characters (text.memo)."""

    def __init__(self) -> None:
        self._std: SentimentStandard | None = None
        self._facts: TextMemo[str, UtteranceSentiment] = TextMemo(EntryCost(400, 1, 4))

    def get(self, text: str, std: SentimentStandard) -> UtteranceSentiment:
        if std is not self._std:
            self._std = std
            self._facts.clear()
        facts = self._facts.get(text)
        if facts is MISSING:
            facts = _derive(text, std)
            self._facts.put(text, facts)
        return facts  # type: ignore[return-value]


def _derive(text: str, std: SentimentStandard) -> UtteranceSentiment:
    method = analyzer_of(text, std.analyzers)
    # past the analyzers' own memos: these facts are the one memo of a text's sentiment on the scoring path
    score = sentiment_zh.score.uncached(text) if method == "callqa_zh" else polarity.uncached(text)[3]
    judged = 0.0 if score < 0 and method == "vader" and not negative_words(text, std.neutral_words) else score
    return UtteranceSentiment(score, judged, method)


_FACTS = _FactsOfStandard()


def utterance_sentiment(text: str, std: SentimentStandard) -> UtteranceSentiment:
    return _FACTS.get(text, std)


def judged_score(text: str, std: SentimentStandard) -> float:
    """The utterance's score as the rules read it (see the module docstring)."""
    return _FACTS.get(text, std).judged


class SentimentFold:
    """The customer's and the agent's scores as turns come, in transcript order: what the summary and the
    customer_sentiment item read, so that a turn costs its own score and one window's mean. A fold from no turns
    is the full judgement (`summarize`, `customer_sentiment_item`): means are running sums either way."""

    def __init__(self, std: SentimentStandard) -> None:
        self.std = std
        self._customer: list[float] = []  # judged scores
        self._customer_sum = 0.0
        self._agent_sum = 0.0
        self._agents = 0
        # Over the windows of `rolling_window` customer turns (once there are that many), by the first turn of each:
        self._last: float | None = None  # the latest window's mean
        self._lowest: float | None = None  # the lowest mean
        self._lowest_window: tuple[float, int] | None = None  # (rounded mean, first turn) of the lowest window
        self._first_below: tuple[float, int] | None = None  # the same of the first below customer_alert_below

    @classmethod
    def of(cls, tl: Timeline, std: SentimentStandard) -> "SentimentFold":
        fold = cls(std)
        for turn in tl.turns:
            fold.add(turn)
        return fold

    def copy(self) -> "SentimentFold":
        other = object.__new__(SentimentFold)
        other.__dict__.update(self.__dict__)
        other._customer = list(self._customer)
        return other

    def add(self, turn: Turn) -> None:
        if turn.speaker == "agent":
            self._agent_sum += utterance_score(turn.text, self.std)
            self._agents += 1
        elif turn.speaker == "customer":
            score = judged_score(turn.text, self.std)
            customer = self._customer
            customer.append(score)
            self._customer_sum += score
            size = self.std.rolling_window
            if len(customer) >= size:
                self._window(len(customer) - size, sum(customer[-size:]) / size)

    def _window(self, start: int, mean: float) -> None:
        self._last = mean
        if self._lowest is None or mean < self._lowest:
            self._lowest = mean
        rounded = round(mean, 4)  # windows are judged by their rounded mean, the first of equals kept
        if self._lowest_window is None or rounded < self._lowest_window[0]:
            self._lowest_window = (rounded, start)
        if self._first_below is None and rounded < self.std.customer_alert_below:
            self._first_below = (rounded, start)

    def _windows(self) -> tuple[int, tuple[float, int], tuple[float, int] | None]:
        """(turns per window, (rounded mean, first turn) of the lowest window and of the first below the limit):
        one window of all the customer's turns while there are fewer than `rolling_window`."""
        size = self.std.rolling_window
        count = len(self._customer)
        if count >= size:
            assert self._lowest_window is not None
            return size, self._lowest_window, self._first_below
        mean = round(self._customer_sum / count, 4)
        return count, (mean, 0), ((mean, 0) if mean < self.std.customer_alert_below else None)

    def summary(self, tl: Timeline, *, per_utterance: bool = True) -> SentimentSummary:
        """`per_utterance=False` leaves out the evidence of every turn (as long as the call): the ingest path
        stores the score without it, and reads add it back (`utterance_evidence`)."""
        customer, std = self._customer, self.std
        count = len(customer)
        trend = rolling = lowest = None
        if count >= 2:
            k = min(std.trend_window, count // 2)
            trend = round(sum(customer[-k:]) / k - sum(customer[:k]) / k, 4)
        if count >= std.rolling_window:
            assert self._last is not None and self._lowest is not None
            rolling, lowest = round(self._last, 4), round(self._lowest, 4)
        elif count:
            rolling = lowest = round(self._customer_sum / count, 4)
        return SentimentSummary(
            customer_mean=round(self._customer_sum / count, 4) if count else None,
            agent_mean=round(self._agent_sum / self._agents, 4) if self._agents else None,
            customer_trend=trend,
            customer_rolling_mean=rolling,
            customer_lowest_rolling_mean=lowest,
            per_utterance=utterance_evidence(tl, std) if per_utterance else (),
        )

    def item(self, tl: Timeline, weight: float) -> ScoreItem:
        """Fails once `rolling_window` consecutive customer turns average below `customer_alert_below`, counted
        only after `min_customer_turns` customer turns. A failure stays a failure: the alert a supervisor saw
        during the call and the final score say the same thing, so the final item cannot pass a call whose alert
        fired. It passes when the interaction ends without such a run, and is not applicable with too few
        customer turns."""
        std = self.std
        item_id, limit, need = "customer_sentiment", std.customer_alert_below, std.min_customer_turns
        turns = tl.turns_of("customer")
        if len(turns) < need:
            heard = f"{len(turns)} of the {need} customer turns needed"
            if tl.final:
                return ScoreItem(item_id, "sentiment", Status.NOT_APPLICABLE, weight, f"{heard} to judge sentiment")
            detail = f"judged after {need} customer turns: {heard}"
            return ScoreItem(item_id, "sentiment", Status.PENDING, weight, detail)
        n, (lowest, lowest_at), below = self._windows()
        if below is not None:
            first, first_at = below  # the moment the limit was passed: the alert's time
            span = f"customer turns {first_at + 1}-{first_at + n}"
            detail = f"customer sentiment {first:+.3f} over {span} is below {limit:+.3f}"
            detail += f" (lowest {lowest:+.3f})" if lowest_at != first_at else ""
            window = turns[first_at : first_at + n]
            note = f"mean of {span} below the limit"
            evidence = [turn_evidence(window[-1], note, with_text=False, value=first)]
            evidence += [turn_evidence(t, "customer turn", value=judged_score(t.text, std)) for t in window]
            return ScoreItem(item_id, "sentiment", Status.FAIL, weight, detail, evidence=tuple(evidence))
        status = Status.PASS if tl.final else Status.PENDING
        detail = f"customer sentiment: lowest mean of {n} turns {lowest:+.3f}"
        ev = (Evidence(note=f"lowest mean of {n} consecutive customer turns", value=lowest),)
        return ScoreItem(item_id, "sentiment", status, weight, detail, evidence=ev)


def summarize(timeline: Timeline, standard: SentimentStandard, *, per_utterance: bool = True) -> SentimentSummary:
    return SentimentFold.of(timeline, standard).summary(timeline, per_utterance=per_utterance)


def customer_sentiment_item(tl: Timeline, std: SentimentStandard, weight: float) -> ScoreItem:
    return SentimentFold.of(tl, std).item(tl, weight)


def utterance_evidence(timeline: Timeline, standard: SentimentStandard) -> tuple[Evidence, ...]:
    """Each turn's sentiment, in transcript order."""
    return tuple(_utterance_evidence(t, standard) for t in timeline.turns)


def _utterance_evidence(turn: Turn, std: SentimentStandard) -> Evidence:
    facts = _FACTS.get(turn.text, std)
    note = "sentiment" if facts.judged == facts.score else "sentiment; no negative word but neutral ones: judged 0"
    return turn_evidence(turn, note, with_text=False, value=facts.score, method=facts.method)
