#!/usr/bin/python3
"""PyJWT driver for scripts/bench (peers.go). Run it with Debian's python3
(python3-jwt, python3-cryptography).

    pyjwt_batch.py decode FILE
    pyjwt_batch.py verify --jwks JWKS --alg ALG --iss ISS --aud AUD FILE

FILE ("-" for stdin) holds one token or many, one per line. decode prints the
claims of each token without checking anything. verify builds the keys from
the JWKS once, picks each token's key by its "kid" (as PyJWKClient does), and
checks the signature, exp/nbf/iat, iss and aud (exp, iss and aud required) with
jwt.decode; it prints "ok <sub>" per good token, an error line on stderr per
bad one, and exits 1 if any token failed.

Single-threaded on purpose: the form people use. A multiprocessing.Pool(2)
variant was no faster for 10,000 RS256 tokens on the 2-core bench machine
(0.59-0.68 s both ways; the per-process start and pickling eat the gain).
"""
import argparse
import json
import sys

import jwt
from jwt import PyJWKSet


def tokens(path):
    f = sys.stdin if path == "-" else open(path, encoding="ascii")
    with f:
        for line in f:
            line = line.strip()
            if line:
                yield line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["decode", "verify"])
    p.add_argument("file")
    p.add_argument("--jwks")
    p.add_argument("--alg")
    p.add_argument("--iss")
    p.add_argument("--aud")
    a = p.parse_args()

    out = sys.stdout
    failed = 0
    if a.mode == "decode":
        for t in tokens(a.file):
            claims = jwt.decode(t, options={"verify_signature": False})
            out.write(json.dumps(claims) + "\n")
        return 0

    if not (a.jwks and a.alg and a.iss and a.aud):
        p.error("verify needs --jwks, --alg, --iss and --aud")
    with open(a.jwks, encoding="utf-8") as f:
        keys = {k.key_id: k.key for k in PyJWKSet.from_dict(json.load(f)).keys}
    algs = [a.alg]
    opts = {"require": ["exp", "iss", "aud"]}
    for t in tokens(a.file):
        try:
            kid = jwt.get_unverified_header(t).get("kid")
            key = keys.get(kid)
            if key is None:
                raise jwt.InvalidTokenError("no key with kid %r" % kid)
            claims = jwt.decode(t, key, algorithms=algs, audience=a.aud,
                                issuer=a.iss, options=opts)
            out.write("ok %s\n" % claims.get("sub"))
        except jwt.InvalidTokenError as e:
            failed += 1
            sys.stderr.write("invalid: %s: %s\n" % (type(e).__name__, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
