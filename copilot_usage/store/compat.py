"""A transport node that lets the official Elasticsearch client talk to OpenSearch-compatible engines.

The 8.x client rewrites every JSON/NDJSON Accept and Content-Type header into Elasticsearch's versioned
vendor type (`application/vnd.elasticsearch+json; compatible-with=8`). OpenSearch and osmem-server answer
406 to that, and the rewrite happens after per-request headers are merged, so it can only be undone at the
node, just before the bytes leave.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from elastic_transport import HttpHeaders, Urllib3HttpNode

if TYPE_CHECKING:
    from elastic_transport._node import NodeApiResponse  # not re-exported at the top level in 8.x

# `application/vnd.elasticsearch+json; compatible-with=8` -> `application/json` (same for x-ndjson etc.).
_VENDOR_TYPE = re.compile(r"application/vnd\.elasticsearch\+([A-Za-z0-9.+-]+)(\s*;\s*compatible-with=\d+)?")
_MEDIA_HEADERS = ("accept", "content-type")
_PRODUCT_HEADER = "x-elastic-product"


def plain_media_type(value: str) -> str:
    """The plain media type for a vendor-specific one; anything else is returned unchanged."""
    return _VENDOR_TYPE.sub(r"application/\1", value)


def plain_headers(headers: HttpHeaders | None) -> HttpHeaders | None:
    """A copy of `headers` with vendor media types made plain (the caller's object is not changed)."""
    if headers is None:
        return None
    out = headers.copy()
    for name in _MEDIA_HEADERS:
        value = out.get(name)
        if value:
            out[name] = plain_media_type(value)
    return out


class OpenSearchCompatNode(Urllib3HttpNode):
    """Urllib3 node for OpenSearch-compatible engines: plain media types out, product header in.

    The client also refuses any 2xx answer without `X-Elastic-Product: Elasticsearch`. osmem sends it; real
    OpenSearch does not. This node is only chosen once the engine has identified itself as OpenSearch (or
    the operator said so), so supplying the header when it is missing only lifts a check we already did.
    """

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **kwargs: Any,
    ) -> NodeApiResponse:
        response = super().perform_request(method, target, body=body, headers=plain_headers(headers), **kwargs)
        if _PRODUCT_HEADER not in response.meta.headers:
            response.meta.headers = response.meta.headers.copy()
            response.meta.headers[_PRODUCT_HEADER] = "Elasticsearch"
        return response
