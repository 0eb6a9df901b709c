"""Schema of a standards file. Every threshold callqa judges by is a field here, never a constant in code."""

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from service.standards.fixtures import FixtureCase, check_fixtures
from service.standards.phrases import Phrase, WordClasses, check_phrases
from service.zones import check_zone

Seconds = Annotated[float, Field(gt=0)]
Severity = Literal["info", "warning", "critical"]
Language = Literal["en", "zh"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CallResponsiveness(_Strict):
    answer_within_seconds: Seconds = 20
    service_level_target: float = Field(0.8, gt=0, le=1)
    short_abandon_seconds: float = Field(5, ge=0, description="Abandons quicker than this are left out.")
    max_hold_seconds: Seconds = 120
    stale_after_seconds: Seconds = Field(
        1800, description="A call not ended with no event for this long is shown as stale (its call.ended was lost)."
    )


class TicketResponsiveness(_Strict):
    first_reply_within_seconds: Seconds = 1800
    complaint_first_reply_within_seconds: dict[Literal[1, 2, 3], Seconds] = {1: 7200, 2: 14400, 3: 28800}
    resolution_within_seconds: Seconds = 259200
    complaint_resolution_within_seconds: dict[Literal[1, 2, 3], Seconds] = {1: 86400, 2: 172800, 3: 259200}
    overdue_ratio_target: float = Field(0.05, ge=0, le=1)


class Responsiveness(_Strict):
    call: CallResponsiveness = CallResponsiveness()
    ticket: TicketResponsiveness = TicketResponsiveness()


class SentimentAnalyzers(_Strict):
    """Which analyzer scores an utterance, by its script; every analyzer reports on VADER's -1 .. +1 scale."""

    en: Literal["vader"] = "vader"
    zh: Literal["callqa_zh", "vader"] = Field(
        "callqa_zh", description="callqa_zh: the shipped character n-gram model; vader scores Chinese as 0."
    )
    zh_min_cjk_share: float = Field(
        0.3, gt=0, le=1, description="CJK characters / (CJK characters + Latin words) that make an utterance Chinese."
    )


class SentimentStandard(_Strict):
    customer_upset_below: float = Field(-0.4, ge=-1, le=1, description="An utterance this negative is upset.")
    rolling_window: int = Field(3, ge=1, description="Customer utterances in the rolling mean.")
    customer_alert_below: float = Field(-0.35, ge=-1, le=1, description="Rolling mean that raises an alert.")
    min_customer_turns: int = Field(3, ge=1, description="Customer turns heard before customer sentiment is judged.")
    trend_window: int = Field(3, ge=1, description="Utterances averaged at the start and the end for the trend.")
    analyzers: SentimentAnalyzers = SentimentAnalyzers()
    neutral_words: frozenset[str] = Field(
        frozenset({"no", "sorry", "po", "ill", "rob", "kia"}),
        description="Words VADER reads as negative that in service talk are answers, politeness or names: "
        "alone they never make a turn negative for the rules (VADER's own score is kept).",
    )

    @field_validator("neutral_words", mode="before")
    @classmethod
    def _yaml_booleans(cls, words: object) -> object:
        if isinstance(words, list | tuple | set | frozenset) and any(isinstance(w, bool) for w in words):
            raise ValueError('quote "no", "yes", "on" and "off": unquoted, YAML reads them as true/false')
        return words

    @field_validator("neutral_words")
    @classmethod
    def _lower_case_words(cls, words: frozenset[str]) -> frozenset[str]:
        if bad := sorted(w for w in words if not w or w != w.lower() or " " in w):
            raise ValueError(f"neutral_words are single lower-case words, got {bad}")
        return words


class QualityWeights(_Strict):
    answer_time: float = Field(15, ge=0)
    hold_time: float = Field(5, ge=0)
    first_reply_time: float = Field(20, ge=0)
    resolution_time: float = Field(10, ge=0)
    customer_sentiment: float = Field(10, ge=0)


# The scored items that are not script rules (script rules carry their own `critical` flag).
NonScriptItem = Literal["answer_time", "hold_time", "first_reply_time", "resolution_time", "customer_sentiment"]


class QualityStandard(_Strict):
    pass_mark: float = Field(80, ge=0, le=100)
    compliance_target: float = Field(0.98, ge=0, le=1)
    fuzzy_threshold: float = Field(0.88, gt=0.5, le=1, description="Similarity for small wording variations.")
    weights: QualityWeights = QualityWeights()
    critical_items: frozenset[NonScriptItem] = Field(
        frozenset(), description="Non-script items (answer_time, ...) whose failure fails the interaction."
    )


class FirstTurns(_Strict):
    kind: Literal["first_turns"]
    turns: int = Field(ge=1)


class LastTurns(_Strict):
    kind: Literal["last_turns"]
    turns: int = Field(ge=1)


class WithinSecondsOfAnswer(_Strict):
    kind: Literal["within_seconds_of_answer"]
    seconds: Seconds


class Anywhere(_Strict):
    kind: Literal["anywhere"]


class BeforeHold(_Strict):
    kind: Literal["before_hold"]
    turns: int = Field(1, ge=1, description="Agent turns before each hold that may hold the request.")


class AfterCustomerUpset(_Strict):
    kind: Literal["after_customer_upset"]
    turns: int = Field(2, ge=1, description="Agent turns after an upset customer turn that may hold it.")


Window = Annotated[
    FirstTurns | LastTurns | WithinSecondsOfAnswer | Anywhere | BeforeHold | AfterCustomerUpset,
    Field(discriminator="kind"),
]
CALL_ONLY_WINDOWS = frozenset({"within_seconds_of_answer", "before_hold"})


# A rule's description in the other languages of the centre (the console shows the reader's own).
Translations = Annotated[dict[Language, str], Field(description="The description in other languages, by language.")]


class ScriptRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str
    description_i18n: Translations = {}
    speaker: Literal["agent", "customer"] = "agent"
    requirement: Literal["required", "forbidden"]
    window: Window
    phrases: dict[Language, tuple[Phrase, ...]] = Field(
        {}, description="Phrase packs per language, in the phrase syntax (service/text/phrase_syntax.py)."
    )
    patterns: tuple[str, ...] = ()
    applies_to: frozenset[Literal["call", "ticket"]] = frozenset({"call", "ticket"})
    weight: float = Field(10, ge=0)
    critical: bool = False
    alert_severity: Severity | None = None

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _has_something_to_match(self) -> "ScriptRule":
        if not any(self.phrases.values()) and not self.patterns:
            raise ValueError(f"rule {self.id!r} has no phrases and no patterns")
        if self.window.kind in CALL_ONLY_WINDOWS and "ticket" in self.applies_to:
            raise ValueError(f"rule {self.id!r}: window {self.window.kind} applies to calls only")
        return self


AlertRule = Literal[
    "forbidden_phrase",
    "required_phrase_missed",
    "customer_sentiment_low",
    "answer_wait_exceeded",
    "hold_exceeded",
    "ticket_first_reply_overdue",
    "ticket_resolution_overdue",
    "quality_below_pass_mark",
    "critical_item_failed",
]


AggregateMetric = Literal[
    "service_level",
    "abandonment_rate",
    "compliance_rate",
    "customer_sentiment",
    "quality_score",
    "overdue_ticket_ratio",
]


class _WindowRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = ""
    description_i18n: Translations = {}
    metric: AggregateMetric
    subject: Literal["queue", "team"]
    window_seconds: Seconds = Field(description="Length of the rolling window the metric is computed over.")
    min_count: int = Field(5, ge=1, description="Fewest interactions in the window for the metric to be judged.")
    severity: Severity = "warning"
    persist_for_seconds: float = Field(0, ge=0, description="The breach must last this long before it alerts.")
    suppress_for_seconds: float = Field(600, ge=0, description="Quiet time after an alert resolves.")
    auto_resolve: bool = True


class AggregateRule(_WindowRule):
    """A fixed limit on a queue or team metric over a rolling window."""

    below: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_limit(self) -> "AggregateRule":
        if (self.below is None) == (self.above is None):
            raise ValueError(f"aggregate rule {self.id!r} needs exactly one of `below` or `above`")
        return self


class ControlLimitRule(_WindowRule):
    """Statistical process control: the current window against mean +/- k sigma of its own trailing windows."""

    history_windows: int = Field(24, ge=3, description="Trailing windows the control limits are computed from.")
    min_history: int = Field(8, ge=3, description="Judged windows needed before limits are trusted.")
    sigmas: float = Field(3, gt=0)
    severity: Severity = "info"


class AlertStandard(_Strict):
    enabled: frozenset[AlertRule] = frozenset(AlertRule.__args__)  # type: ignore[attr-defined]
    escalate_critical_after_seconds: float = Field(
        300, gt=0, description="A critical alert still unacknowledged after this long is escalated."
    )
    aggregates: tuple[AggregateRule, ...] = ()
    control_limits: tuple[ControlLimitRule, ...] = ()
    severities: dict[AlertRule, Severity] = {
        "forbidden_phrase": "critical",
        "required_phrase_missed": "warning",
        "customer_sentiment_low": "warning",
        "answer_wait_exceeded": "warning",
        "hold_exceeded": "info",
        "ticket_first_reply_overdue": "warning",
        "ticket_resolution_overdue": "info",
        "quality_below_pass_mark": "warning",
        "critical_item_failed": "critical",
    }


RedactionKind = Literal["card", "cvv", "expiry", "national_id", "phone", "email"]
_PLACEHOLDER = r"^\[[a-z][a-z0-9_]{0,31}\]$"


class RedactionPattern(_Strict):
    """A personal-data pattern of the centre's own (member numbers, policy ids): regex -> placeholder."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    pattern: str = Field(min_length=1)
    placeholder: str = Field(pattern=_PLACEHOLDER, description="Shown instead of the text, e.g. [member_id].")

    @field_validator("pattern")
    @classmethod
    def _compiles_and_consumes(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        if compiled.fullmatch(""):
            raise ValueError(f"pattern {pattern!r} matches the empty string: it would redact between every letter")
        return pattern


class RedactionStandard(_Strict):
    """What is replaced by a placeholder before an event is stored or sent (service/privacy)."""

    enabled: frozenset[RedactionKind] = frozenset(RedactionKind.__args__)  # type: ignore[attr-defined]
    context_chars: int = Field(
        30, ge=1, le=200, description="How near a card or a keyword (cvv, expiry, ssn) a short number must follow."
    )
    patterns: tuple[RedactionPattern, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> "RedactionStandard":
        names = [p.name for p in self.patterns]
        if len(set(names)) != len(names):
            raise ValueError("redaction pattern names must be unique")
        return self


VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class SamplingRules(_Strict):
    """Which interactions of a week are picked for human review (service/evaluations/sampling.py)."""

    random_per_agent_per_week: int = Field(2, ge=0, description="Picked at random per agent, from a seed.")
    all_critical_failures: bool = Field(True, description="Every interaction with a failed critical item.")
    lowest_sentiment: int = Field(5, ge=0, description="The week's N interactions with the lowest customer sentiment.")


class RootCause(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    labels: dict[Language, str] = Field({}, description="What the console shows, per language (else the id).")


_ROOT_CAUSES = (
    RootCause(id="people", labels={"en": "People", "zh": "人员"}),
    RootCause(id="process", labels={"en": "Process", "zh": "流程"}),
    RootCause(id="system", labels={"en": "System", "zh": "系统"}),
    RootCause(id="customer", labels={"en": "Customer", "zh": "客户"}),
    RootCause(id="outside_agent_control", labels={"en": "Outside the agent's control", "zh": "非坐席可控"}),
)


class ReviewStandard(_Strict):
    """The review loop: how fast a breach is reviewed, the root-cause taxonomy, corrective actions, sampling."""

    due_within_seconds: Seconds = Field(86400, description="A review case is due this long after it opens.")
    root_causes: tuple[RootCause, ...] = Field(
        _ROOT_CAUSES,
        min_length=1,
        description="The root-cause taxonomy a case's cause is chosen from: ids, or {id, labels: {en, zh}}.",
    )
    open_on_severities: frozenset[Severity] = Field(
        frozenset({"warning", "critical"}), description="Alerts of these severities open (or join) a review case."
    )
    open_on_failed_interaction: bool = Field(True, description="A final interaction that failed opens a case.")
    intake_window_seconds: Seconds = Field(
        86400, description="Only alerts and failures this recent open cases (a new install leaves history alone)."
    )
    overdue_severity: Severity = Field("warning", description="Severity of the review_overdue alert.")
    verification_window_seconds: Seconds = Field(
        604800, description="Default time after a corrective action starts before its effect is checked."
    )
    verification_sigmas: float = Field(
        3, gt=0, description="An action worked when its metric left the control limits of the days before it."
    )
    verification_min_days: int = Field(
        3, ge=2, description="Days with data before an action needed to draw control limits (else: did it move?)."
    )
    action_metrics: frozenset[AggregateMetric] = Field(
        frozenset(AggregateMetric.__args__),  # type: ignore[attr-defined]
        description="Metrics a corrective action may target.",
    )
    sampling: SamplingRules = SamplingRules()

    @field_validator("root_causes", mode="before")
    @classmethod
    def _plain_ids(cls, causes: object) -> object:
        if isinstance(causes, list | tuple):
            return [{"id": c} if isinstance(c, str) else c for c in causes]
        return causes

    @field_validator("root_causes")
    @classmethod
    def _unique_causes(cls, causes: tuple[RootCause, ...]) -> tuple[RootCause, ...]:
        ids = [c.id for c in causes]
        if len(set(ids)) != len(ids):
            raise ValueError(f"root causes must be unique, got {ids}")
        return causes

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.root_causes)


class OutcomeStandard(_Strict):
    """Customer outcomes: how survey answers and repeat contacts are read (service/outcomes)."""

    fcr_window_seconds: Seconds = Field(
        604800,
        description="A contact is resolved at first contact when the same customer does not come back with the "
        "same reason within this long.",
    )
    csat_satisfied_at_least: int = Field(4, ge=1, le=5, description="CSAT answers this high count as satisfied.")
    nps_promoter_at_least: int = Field(9, ge=0, le=10, description="NPS answers this high are promoters.")
    nps_detractor_at_most: int = Field(6, ge=0, le=10, description="NPS answers this low are detractors.")

    @model_validator(mode="after")
    def _nps_bands_apart(self) -> "OutcomeStandard":
        if self.nps_detractor_at_most >= self.nps_promoter_at_least:
            raise ValueError("nps_detractor_at_most must be below nps_promoter_at_least")
        return self


class KpiTargets(_Strict):
    """Targets of the KPI tree that no other section sets (service level, compliance, the quality pass mark and
    the overdue-ticket ratio have their own settings above)."""

    average_speed_of_answer_seconds: Seconds = Field(20, description="At most: mean wait of answered calls.")
    abandonment_rate: float = Field(0.10, ge=0, le=1, description="At most: abandoned / offered calls.")
    csat: float = Field(0.80, ge=0, le=1, description="At least: satisfied / all CSAT answers.")
    nps: float = Field(30, ge=-100, le=100, description="At least: % promoters - % detractors.")
    first_contact_resolution: float = Field(0.70, ge=0, le=1, description="At least: contacts with no repeat.")


class Standard(_Strict):
    version: str = Field(min_length=1, max_length=64, pattern=VERSION_PATTERN)
    name: str = Field("Service standard", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
    languages: frozenset[Language] = frozenset({"en"})
    time_zone: Annotated[str, AfterValidator(check_zone)] = Field(
        "UTC",
        description="The centre's IANA time zone: the KPI tree's and the Pareto view's days begin at its midnight.",
    )
    responsiveness: Responsiveness = Responsiveness()
    sentiment: SentimentStandard = SentimentStandard()
    quality: QualityStandard = QualityStandard()
    word_classes: WordClasses = Field({}, description="Named alternatives the phrases use as {name}.")
    script_rules: tuple[ScriptRule, ...] = ()
    alerts: AlertStandard = AlertStandard()
    redaction: RedactionStandard = RedactionStandard()
    review: ReviewStandard = ReviewStandard()
    outcomes: OutcomeStandard = OutcomeStandard()
    kpi_targets: KpiTargets = KpiTargets()
    fixtures: tuple[FixtureCase, ...] = Field(
        (), description="Short conversations with the outcome each rule must give (`callqa standards test`)."
    )

    @model_validator(mode="after")
    def _fixtures_name_scored_items(self) -> "Standard":
        check_fixtures(self.fixtures, {r.id for r in self.script_rules} | set(get_args(NonScriptItem)))
        return self

    @model_validator(mode="after")
    def _phrases_read(self) -> "Standard":
        check_phrases([r.phrases for r in self.script_rules], self.word_classes)
        return self

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> "Standard":
        seen: set[str] = set()
        ids = [r.id for r in self.script_rules] + [r.id for r in (*self.alerts.aggregates, *self.alerts.control_limits)]
        for rule_id in ids:
            if rule_id in seen:
                raise ValueError(f"rule id {rule_id!r} is used twice")
            seen.add(rule_id)
        return self
