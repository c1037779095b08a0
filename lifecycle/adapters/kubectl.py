"""kubectl against one context and namespace, through the project's command runner."""

import json
import time
from dataclasses import dataclass

from lifecycle.adapters.commands import CommandFailed, run
from lifecycle.errors import LifecycleError

APPLY = ("apply", "--server-side", "--force-conflicts", "-f", "-")


@dataclass(frozen=True)
class Kubectl:
    binary: str
    context: str
    namespace: str

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--context", self.context, "--namespace", self.namespace, *args]

    def __call__(self, *args: str, input_text: str | None = None, stream: bool = True) -> str:
        return run(self.argv(*args), input_text=input_text, stream=stream)

    def apply(self, manifests: str, field_manager: str = "invoke-deploy") -> None:
        """Server-side apply: a field the manifests leave out (replicas) stays with whoever
        else owns it (the HorizontalPodAutoscaler), instead of being reset."""
        self(*APPLY, f"--field-manager={field_manager}", input_text=manifests)

    def replicas(self, deployment: str) -> str | None:
        """The Deployment's replica count, or None when it does not exist yet."""
        found = self(
            "get",
            "deployment",
            deployment,
            "--ignore-not-found",
            "-o",
            "jsonpath={.spec.replicas}",
            stream=False,
        ).strip()
        return found or None

    def tail(self, *args: str) -> str:
        """Output kept for a report: a failure here must not hide the failure being reported."""
        try:
            return self(*args, stream=False).strip()
        except CommandFailed as failure:
            return f"(could not run kubectl {' '.join(args)}: {failure.output_tail.strip()})"

    def job_outcome(self, name: str) -> str | None:
        """'Complete', 'Failed', or None while the Job is still running."""
        status = json.loads(self("get", "job", name, "-o", "json", stream=False)).get("status", {})
        for condition in status.get("conditions", []):
            if condition.get("status") == "True" and condition["type"] in ("Complete", "Failed"):
                return condition["type"]
        return None

    def wait_for_job(self, name: str, timeout_seconds: int, poll_seconds: float = 2) -> str:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            outcome = self.job_outcome(name)
            if outcome:
                return outcome
            print(f"  waiting for job/{name} ...", flush=True)
            time.sleep(poll_seconds)
        raise LifecycleError(f"job/{name} did not finish within {timeout_seconds}s")
