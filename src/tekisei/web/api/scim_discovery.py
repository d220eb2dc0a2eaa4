"""What the SCIM service provider declares about itself (RFC 7643 §5-7): its
configuration, its resource types and the schemas of the attributes it keeps."""

from __future__ import annotations

from typing import Any

from tekisei.core.scim import (
    GROUP_SCHEMA,
    MAX_BODY,
    MAX_RESULTS,
    USER_SCHEMA,
)

_SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
_RT = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config(base: str) -> dict[str, Any]:
    """The ServiceProviderConfig resource: PATCH, filters (up to ``MAX_RESULTS`` a page)
    and ETags supported; bulk, sorting and password changes not (tekisei takes no
    password through SCIM: ``core.scim.ScimPasswordError``)."""
    return {
        "schemas": [_SPC],
        "documentationUri": "https://github.com/tekisei/tekisei/blob/main/docs/scim.md",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": MAX_BODY},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "SCIM token",
                "description": "A SCIM token issued by an admin of the organisation "
                "(tekisei scim token create, or the SCIM page), sent as "
                "'Authorization: Bearer <token>'",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


RESOURCE_TYPES: list[dict[str, Any]] = [
    {
        "schemas": [_RT],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A member of the organisation (userName is the email)",
        "schema": USER_SCHEMA,
    },
    {
        "schemas": [_RT],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A role group: its displayName names a tekisei role",
        "schema": GROUP_SCHEMA,
    },
]


def _attribute(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **extra,
    }


_EMAIL_PARTS = [_attribute("value"), _attribute("type"), _attribute("primary", "boolean")]
_MEMBER_PARTS = [
    _attribute("value", mutability="immutable"),
    _attribute("display", mutability="readOnly"),
    _attribute("$ref", "reference", mutability="immutable", referenceTypes=["User"]),
]

SCHEMAS: list[dict[str, Any]] = [
    {
        "schemas": [_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server",
                       description="The person's email address; cannot change"),
            _attribute("externalId", caseExact=True),
            _attribute("name", "complex", subAttributes=[
                _attribute("givenName"), _attribute("familyName"),
                _attribute("formatted", mutability="readOnly"),
            ]),
            _attribute("displayName"),
            _attribute("active", "boolean",
                       description="false removes the member's access to the organisation"),
            _attribute("emails", "complex", multiValued=True, subAttributes=_EMAIL_PARTS),
            _attribute("groups", "complex", multiValued=True, mutability="readOnly"),
            _attribute("password", mutability="writeOnly", returned="never", caseExact=True,
                       description="Never returned, and not accepted: staff sign in "
                       "through single sign-on or set their own password from an "
                       "invitation; a request with a password is refused (400 "
                       "invalidValue). Turn off password sync in the identity provider"),
        ],
    },
    {
        "schemas": [_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A role group (displayName names a tekisei role)",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute("externalId", caseExact=True),
            _attribute("members", "complex", multiValued=True, subAttributes=_MEMBER_PARTS),
        ],
    },
]  # fmt: skip
