"""The registry's HTTP API (distribution), for what the Docker engine does not do: read a
manifest's digest, and push an SBOM as an OCI artifact beside the image it describes."""

import hashlib
import json
from dataclasses import dataclass

import httpx

from lifecycle.errors import LifecycleError

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
SPDX = "application/spdx+json"


class RegistryApiError(LifecycleError):
    """The registry's API refused a request or could not be reached."""


@dataclass(frozen=True)
class RegistryApi:
    scheme: str
    address: str
    auth: tuple[str, str] | None

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.address}/v2/{path}"

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            return httpx.request(method, url, auth=self.auth, timeout=30, **kwargs)
        except httpx.TransportError as error:
            raise RegistryApiError(
                f"cannot reach the registry API at {self.address}: {error}"
            ) from None

    def manifest(self, name: str, reference: str) -> httpx.Response | None:
        """The manifest served for name:reference (tag or digest), or None."""
        response = self.request(
            "GET", self.url(f"{name}/manifests/{reference}"), headers={"Accept": MANIFEST_TYPES}
        )
        return response if response.status_code == 200 else None

    def upload_blob(self, name: str, content: bytes) -> dict:
        """Upload a blob (monolithically) and return its OCI descriptor, less the media type."""
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
        started = self.request("POST", self.url(f"{name}/blobs/uploads/"))
        if started.status_code != 202:
            raise RegistryApiError(f"blob upload refused: {started.status_code} {started.text}")
        location = httpx.URL(self.url("")).join(started.headers["Location"])
        done = self.request(
            "PUT",
            str(location.copy_merge_params({"digest": digest})),
            content=content,
            headers={"Content-Type": "application/octet-stream"},
        )
        if done.status_code != 201:
            raise RegistryApiError(f"blob upload failed: {done.status_code} {done.text}")
        return {"digest": digest, "size": len(content)}

    def push_artifact(self, name: str, subject: str, content: bytes, media_type: str) -> str:
        """Push content as an OCI artifact whose subject is the image manifest `subject`,
        tagged `sha256-<hex>.<kind>` (the tag scheme tools such as cosign look for)."""
        image = self.manifest(name, subject)
        if image is None:
            raise RegistryApiError(f"the registry has no manifest {subject} for {name}")
        config = {**self.upload_blob(name, b"{}"), "mediaType": EMPTY_CONFIG}
        layer = {**self.upload_blob(name, content), "mediaType": media_type}
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": media_type,
            "config": config,
            "layers": [layer],
            "subject": {
                "mediaType": image.headers["Content-Type"],
                "digest": subject,
                "size": len(image.content),
            },
        }
        tag = f"{subject.replace(':', '-')}.sbom"
        stored = self.request(
            "PUT",
            self.url(f"{name}/manifests/{tag}"),
            content=json.dumps(manifest).encode(),
            headers={"Content-Type": OCI_MANIFEST},
        )
        if stored.status_code != 201:
            raise RegistryApiError(
                f"the registry refused the SBOM: {stored.status_code} {stored.text}"
            )
        return tag
