"""Azure Functions entry (Python v2 programming model). Thin: the work is in copilot_usage.entry."""

import json
import logging
import os

import azure.functions as func

from copilot_usage.entry import collect_once, freshness_report, send_digest

app = func.FunctionApp()


# COLLECT_SCHEDULE is an app setting (UTC, six-field NCRONTAB; the infrastructure sets "0 5 * * * *",
# hourly at minute 5, away from the top-of-hour rush). use_monitor keeps schedule state in host storage so a
# missed run is noticed; the timer runs on one instance only and never overlaps itself.
@app.timer_trigger(schedule="%COLLECT_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True)
@app.retry(strategy="exponential_backoff", max_retry_count="3", minimum_interval="00:00:30",
           maximum_interval="00:05:00")
def collect(timer: func.TimerRequest) -> None:
    if timer.past_due:
        logging.warning("the collection timer is past due; running now")
    collect_once()


# DIGEST_SCHEDULE (UTC, six-field NCRONTAB, e.g. "0 0 7 * * 1" for Mondays 07:00) turns the digest on; unset, the
# function does not exist. No retry: a retried run would send again to the targets that already got it. A failed
# delivery is logged as an error and never raised.
if os.environ.get("DIGEST_SCHEDULE", "").strip():

    @app.timer_trigger(schedule="%DIGEST_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True)
    def digest(timer: func.TimerRequest) -> None:
        send_digest()


@app.route(route="status", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def status(req: func.HttpRequest) -> func.HttpResponse:
    """Ingestion freshness per scope and report, for health checks. Function-key protected; no secrets."""
    try:
        body = json.dumps(freshness_report(), default=str)
    except Exception as exc:  # report the kind of failure, never its details (they may name hosts)
        logging.exception("status failed")
        return func.HttpResponse(json.dumps({"error": type(exc).__name__}), status_code=503,
                                 mimetype="application/json")
    return func.HttpResponse(body, mimetype="application/json")
