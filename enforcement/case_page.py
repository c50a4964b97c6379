"""What the clerk's case page offers: actions (each a form that calls one service) and panels.

The enforcement app registers its own; apps that depend on it (listings, appeals) register theirs when they
load, so the page shows the whole case while enforcement depends on nothing above it.

An action is offered only when `available(user, case)` says this user may perform it now; the service checks
again, under the row lock, when the form is submitted.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms

from enforcement.errors import DomainError


class ActionForm(forms.Form):
    """A form for one action on one case. `perform()` calls the service and returns the success message."""

    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)
    #: Refuse a submission made against a state the case has since left (not for idempotent recordings).
    checks_state = True

    def __init__(self, *args, case, user, **kwargs):
        self.case, self.user = case, user
        kwargs.setdefault("initial", {}).setdefault("expected_state", case.state)
        super().__init__(*args, **kwargs)

    @property
    def expected(self) -> str | None:
        return self.cleaned_data.get("expected_state") or None

    def perform(self) -> str:
        raise NotImplementedError

    def summary(self) -> list[tuple[str, str]]:
        """What the user is acting on, shown above the form (e.g. the decision an approver signs)."""
        return []

    def refusals(self) -> list[str]:
        """Reasons shown above the form before the user fills it in (e.g. why a listing would be refused)."""
        return []

    def apply_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    form_class: type[ActionForm]
    #: (user, case) -> whether the button is offered. Without it, offered exactly when `refusal` says nothing.
    available: Callable | None = None
    order: int = 100
    style: str = "default"  # or "danger" for actions that end something
    help: str = ""
    #: (user, case) -> the error the service would raise, or None: why the action is not offered (case header).
    refusal: Callable | None = None

    def is_available(self, user, case) -> bool:
        if self.available is None:
            return self.refusal(user, case) is None
        return self.available(user, case)


@dataclass(frozen=True)
class NextStep:
    """What happens next on a case, who must act (a role, "the debtor", "the system"), and by when."""

    text: str
    who: str = ""
    order: int = 100
    #: Only a suggestion of what may be done in this state: left out when another step says what is pending.
    fallback: bool = False


@dataclass(frozen=True)
class CasePanel:
    title: str
    template: str
    context: Callable  # (case, user) -> dict
    order: int = 100


@dataclass
class Registry:
    actions: dict[str, CaseAction] = field(default_factory=dict)
    panels: list[CasePanel] = field(default_factory=list)
    list_filters: list = field(default_factory=list)
    #: Callables (case) -> list[NextStep], one per app, for the case page's header (`enforcement.outlook`).
    next_step_sources: list[Callable] = field(default_factory=list)

    def action(self, action: CaseAction) -> None:
        self.actions[action.name] = action

    def panel(self, panel: CasePanel) -> None:
        self.panels.append(panel)
        self.panels.sort(key=lambda p: p.order)

    def list_filter(self, list_filter) -> None:
        if list_filter not in self.list_filters:
            self.list_filters.append(list_filter)

    def next_steps(self, source: Callable) -> None:
        if source not in self.next_step_sources:
            self.next_step_sources.append(source)

    def available_actions(self, user, case) -> list[CaseAction]:
        return sorted((a for a in self.actions.values() if a.is_available(user, case)), key=lambda a: a.order)


registry = Registry()

__all__ = ["ActionForm", "CaseAction", "CasePanel", "NextStep", "registry"]
