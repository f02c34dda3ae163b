"""A journey is a list of named steps run in order with a live progress display; the first
failing step ends it. The summary (`--json`) lists every step, its outcome and its figures."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

__all__ = ["Journey", "StepFailed", "StepResult"]


class StepFailed(Exception):
    """A step found the system not doing what a user expects."""


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Journey:
    console: Console
    quiet: bool = False
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def step(self, name: str, action: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
        """Run one step; its returned facts are shown and kept in the summary."""
        if self.results and not self.results[-1].ok:
            raise StepFailed(f"not run after a failure: {name}")
        started = time.perf_counter()
        status = None if self.quiet else self.console.status(f"[bold]{name}[/] …")
        try:
            if status:
                status.start()
            facts = action() or {}
        except Exception as exc:
            seconds = time.perf_counter() - started
            detail = f"{type(exc).__name__}: {exc}"
            self.results.append(StepResult(name, False, seconds, error=detail))
            if not self.quiet:
                if status:
                    status.stop()
                self.console.print(f"[bold red]✗[/] {name} [dim]({seconds:.1f} s)[/]\n  {detail}")
                self.console.print(f"[dim]{traceback.format_exc(limit=6)}[/]")
            raise StepFailed(name) from exc
        seconds = time.perf_counter() - started
        self.results.append(StepResult(name, True, seconds, facts))
        if not self.quiet:
            if status:
                status.stop()
            shown = ", ".join(f"{k}={v}" for k, v in facts.items() if not isinstance(v, dict | list))
            self.console.print(f"[bold green]✓[/] {name} [dim]({seconds:.1f} s)[/] {shown}")
        return facts

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(sum(r.seconds for r in self.results), 2),
            "steps": [
                {
                    "name": r.name,
                    "ok": r.ok,
                    "seconds": round(r.seconds, 3),
                    "facts": r.facts,
                    "error": r.error,
                }
                for r in self.results
            ],
        }
