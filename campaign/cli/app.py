"""`campaign`: the command line for SASAC staff (区国资委工作人员).

Every command reads the configuration in CAMPAIGN_CONFIG_DIR (default: the repository's config/)
and the database in CAMPAIGN_HOME (default ./var) or CAMPAIGN_DATABASE_URL. This module only
registers the commands; each command group lives in its own module and imports what it needs when
it runs, so `campaign --help` starts without prefect or sqlalchemy.
"""

from __future__ import annotations

import sys

import typer

from campaign.cli import (
    assessment,
    check,
    flows,
    intake,
    reminders,
    reports,
    serve,
    setup,
    simulate,
    status,
    users,
    waivers,
    web,
)
from campaign.cli.common import err, report_failure

app = typer.Typer(
    help="区属国有企业对标世界一流企业价值创造行动 —— 编排与管理命令（区国资委使用）。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,  # main() decides what a user sees when something goes wrong
)

app.command()(setup.init)
app.command()(setup.enterprises)
app.command()(setup.deliverables)
app.command()(flows.run)
app.command()(status.status)
app.command()(check.check)
app.command()(waivers.waive)
app.command()(intake.template)
app.command()(intake.submit)
app.command("half-year")(reports.half_year)
app.command("next-year")(reports.next_year)
app.command()(assessment.assess)
app.command()(assessment.resume)
app.command()(reminders.remind)
app.add_typer(assessment.scores_app, name="scores")
app.add_typer(reports.report_app, name="report")
app.add_typer(users.users_app, name="users")
app.command()(serve.serve)
app.command()(serve.worker)
app.command()(simulate.simulate)
app.command()(simulate.demo)
app.command()(web.web)
app.add_typer(web.links_app, name="links")


def main() -> None:
    """Run the app. Usage errors are typer's; a CampaignError is its own message; anything else is one
    Chinese line plus the log's path (the traceback only with --verbose)."""
    verbose = any(arg in ("-v", "--verbose") for arg in sys.argv[1:])
    try:
        app()
    except KeyboardInterrupt:
        err.print("已中断。", style="red")
        sys.exit(130)
    except Exception as exc:  # the one place every failure is turned into words for a person
        sys.exit(report_failure(exc, verbose))


if __name__ == "__main__":
    main()
