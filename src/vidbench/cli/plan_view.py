"""What `vidbench plan` shows: the plan table and the budget verdict, or one JSON document
(`--json`, schema in docs/cli-json.md); exit 3 when the estimate is over the budget."""

from __future__ import annotations

from typing import Any

from vidbench.cli import views
from vidbench.cli.stages import EXIT_BUDGET, Exit
from vidbench.cli.views import console

SCHEMA = "vidbench.plan/1"
NOTES_SHOWN = 10


def plan_document(loaded: Any, plan: Any, budget_usd: float | None) -> dict[str, Any]:
    """The plan as data: jobs and estimated cost per model, the budget and its verdict."""
    models = []
    for model_plan in plan.models:
        runnable = len(model_plan.runnable)
        cost_usd = model_plan.estimated_cost_usd
        models.append(
            {
                "id": model_plan.model.id,
                "adapter": model_plan.model.adapter,
                "provider_model": model_plan.model.model,
                "simulated": model_plan.model.simulate is not None,
                "jobs": len(model_plan.jobs),
                "unsupported": len(model_plan.jobs) - runnable,
                "estimated_cost_usd": round(cost_usd, 6),
                "usd_per_clip": round(cost_usd / runnable, 6) if runnable else None,
            }
        )
    total_usd = plan.estimated_cost_usd
    return {
        "schema": SCHEMA,
        "name": loaded.config.name,
        "config": str(loaded.path),
        "jobs": len(plan.jobs),
        "estimated_cost_usd": round(total_usd, 6),
        "budget_usd": budget_usd,
        "within_budget": None if budget_usd is None else total_usd <= budget_usd,
        "models": models,
        "adjustments": list(plan.notes),
    }


def show_plan(loaded: Any, plan: Any, *, as_json: bool) -> None:
    """Print the plan (table or JSON); raise Exit(3) when it is over the budget."""
    budget_usd = loaded.config.budget.max_cost_usd
    over = budget_usd is not None and plan.estimated_cost_usd > budget_usd
    if as_json:
        views.print_json(plan_document(loaded, plan, budget_usd))
    else:
        _print_table(plan, budget_usd)
    if over:
        raise Exit(EXIT_BUDGET, "the estimate is over the budget: `run` would refuse it")


def _print_table(plan: Any, budget_usd: float | None) -> None:
    console.print(views.plan_table(plan))
    for note in plan.notes[:NOTES_SHOWN]:
        console.print(f"[dim]adjusted: {note}[/dim]")
    if len(plan.notes) > NOTES_SHOWN:
        console.print(f"[dim]… and {len(plan.notes) - NOTES_SHOWN} more adjustments[/dim]")
    if budget_usd is not None:
        within = plan.estimated_cost_usd <= budget_usd
        verdict = "[green]within[/green]" if within else "[red]OVER[/red]"
        console.print(
            f"budget ${budget_usd:,.2f}: estimate ${plan.estimated_cost_usd:,.2f} {verdict}"
        )
