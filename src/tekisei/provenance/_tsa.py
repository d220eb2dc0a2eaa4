"""An RFC 3161 time-stamp responder: the deployment answers time-stamp queries with a
token signed by its own TSA certificate (issued by the deployment root, extended key usage
``id-kp-timeStamping``, critical), so that offline deployments time-stamp their C2PA
signatures without any outside service.

A time-stamp proves the signature existed while the signing certificate was valid, so the
credentials keep validating after that certificate expires.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

QUERY_MIME = "application/timestamp-query"
REPLY_MIME = "application/timestamp-reply"
MAX_QUERY_BYTES = 4096
"""A time-stamp query is a hash and a few fields: a few hundred bytes."""
POLICY = "2.25." + str(uuid.UUID("6f1c2a54-4b5e-4e61-9a4e-2a7d1c0e7b31").int)
"""The responder's policy (a UUID-based OID, X.667): time from the host's clock."""
_HASHES = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


class TimeStampQueryError(ValueError):
    """The bytes are not a time-stamp query this responder answers."""

    def __init__(self, message: str, ja: str) -> None:
        super().__init__(message)
        self.ja = ja


@dataclass(frozen=True)
class TimeStampAuthority:
    """A TSA certificate chain (PEM: TSA certificate first) and its private key (PEM)."""

    chain: bytes
    key: bytes


def parse_query(data: bytes) -> tsp.TimeStampReq:
    """The query in ``data``, checked: DER, version 1, a SHA-2 imprint of the right length.

    Raises:
        TimeStampQueryError: anything else.
    """
    if not data:
        raise TimeStampQueryError(
            "the time-stamp query is empty", ja="タイムスタンプの要求が空です。"
        )
    if len(data) > MAX_QUERY_BYTES:
        raise TimeStampQueryError(
            f"the time-stamp query is larger than {MAX_QUERY_BYTES} bytes",
            ja=f"タイムスタンプの要求が大きすぎます（{MAX_QUERY_BYTES}バイトまで）。",
        )
    bad = TimeStampQueryError(
        "the body is not an RFC 3161 time-stamp query (DER TimeStampReq)",
        ja="本文が RFC 3161 のタイムスタンプ要求（DER 形式の TimeStampReq）ではありません。",
    )
    try:
        query = tsp.TimeStampReq.load(data, strict=True)
        version = query["version"].native
        imprint = query["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        query["nonce"].native  # noqa: B018 - parses the field, raising on a malformed one
        query["cert_req"].native  # noqa: B018
    except (ValueError, TypeError, KeyError):
        raise bad from None
    if version != "v1":
        raise bad
    if algorithm not in _HASHES:
        raise TimeStampQueryError(
            f"the message imprint uses {algorithm}; this responder takes "
            + ", ".join(sorted(_HASHES)),
            ja="この応答サーバーが受け付けるハッシュは SHA-256・SHA-384・SHA-512 だけです。",
        )
    if not isinstance(digest, bytes) or len(digest) != _HASHES[algorithm]().digest_size:
        raise TimeStampQueryError(
            f"the message imprint is not a {algorithm} digest",
            ja="要求に含まれるハッシュ値の長さが正しくありません。",
        )
    return query


def respond(data: bytes, authority: TimeStampAuthority, *, now: datetime | None = None) -> bytes:
    """A granted time-stamp reply (DER ``TimeStampResp``) for the query in ``data``.

    Raises:
        TimeStampQueryError: ``data`` is not a query this responder answers.
    """
    query = parse_query(data)
    certificates = x509.load_pem_x509_certificates(authority.chain)
    signer_cert = asn1_x509.Certificate.load(
        certificates[0].public_bytes(serialization.Encoding.DER)
    )
    private_key = serialization.load_pem_private_key(authority.key, password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    info: dict[str, object] = {
        "version": "v1",
        "policy": POLICY,
        "message_imprint": query["message_imprint"],
        "serial_number": secrets.randbits(63),
        "gen_time": core.GeneralizedTime(moment),
        "accuracy": {"seconds": 1},
        "ordering": False,
    }
    if query["nonce"].native is not None:
        info["nonce"] = query["nonce"].native
    tst_info = tsp.TSTInfo(info)
    content = tst_info.dump()
    cert_der = signer_cert.dump()
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
            cms.CMSAttribute(
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "hash_algorithm": {"algorithm": "sha256"},
                                    "cert_hash": hashlib.sha256(cert_der).digest(),
                                }
                            ]
                        }
                    ],
                }
            ),
        ]
    )
    signature = private_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": signer_cert.issuer,
                        "serial_number": signer_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature,
        }
    )
    signed_data: dict[str, object] = {
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(content),
        },
        "signer_infos": [signer_info],
    }
    if query["cert_req"].native:
        signed_data["certificates"] = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in certificates
        ]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    reply = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
    return bytes(reply.dump())


def query_for(message: bytes, *, nonce: int | None = None) -> bytes:
    """A DER time-stamp query for ``message`` (SHA-256 imprint, certificates requested)."""
    return bytes(
        tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": hashlib.sha256(message).digest(),
                },
                "nonce": nonce if nonce is not None else secrets.randbits(63),
                "cert_req": True,
            }
        ).dump()
    )


def token_time(reply: bytes) -> datetime:
    """The time a granted reply states (for tests and the CLI's own check)."""
    parsed = tsp.TimeStampResp.load(reply)
    signed = parsed["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    moment = info["gen_time"].native
    assert isinstance(moment, datetime)
    return moment


class TimeStampError(RuntimeError):
    """The time-stamp authority did not answer the signing's query."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"the time-stamp authority {url} did not answer: {reason}")
        self.url = url
