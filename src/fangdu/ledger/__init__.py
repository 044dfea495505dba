"""The evidence ledger's pure core: an RFC 6962/9162 Merkle log in C2SP formats.

`merkle` (hashing, proofs, verification), `tiles` (c2sp.org/tlog-tiles storage layout),
`note` (c2sp.org/signed-note and tlog-cosignature, Ed25519) and `checkpoint`
(c2sp.org/tlog-checkpoint). Nothing here touches a database or the registry: an offline
verifier needs only these modules and `cryptography`.
"""
