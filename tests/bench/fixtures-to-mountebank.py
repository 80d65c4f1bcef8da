#!/usr/bin/python3
"""Turn a fixture directory into (1) a mountebank imposter answering the same recording and
(2) the request list the replay benchmark sends to both servers.

    fixtures-to-mountebank.py FIXTURE_DIR PORT OUT_DIR

OUT_DIR/imposters.json: one stub per fixture, in file order, predicate `equals` on method,
path, query and body (the exact request bytes the benchmark sends), response `is` with the
recorded status, headers and body (binary bodies in mountebank's base64 "binary" mode).
OUT_DIR/reqs.tsv: METHOD <tab> TARGET <tab> HEADERS-FILE <tab> BODY-FILE <tab> auth|noauth, one
per fixture (noauth: the recorded answer is a 401, so the request goes without credentials).  The body files hold the request
body exactly as ewsemu's fixture loader rebuilds it, so both servers see the same bytes.
lxml only (exchangelib's dependency)."""
import base64
import json
import sys
import urllib.parse
from pathlib import Path

from lxml import etree


def body_bytes(body):
    if body is None:
        return b""
    kind = body.get("kind")
    if kind == "xml":
        return etree.tostring(body[0], xml_declaration=True, encoding="utf-8")
    if kind == "base64":
        return base64.b64decode("".join((body.text or "").split()))
    return (body.text or "").encode()


def main():
    src, port, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    stubs, reqs = [], []
    for i, f in enumerate(sorted(src.glob("*.fixture.xml"))):
        doc = etree.parse(str(f)).getroot()
        rq, rs = doc.find("request"), doc.find("response")
        method, target = rq.get("method"), rq.get("target")
        path, _, query = target.partition("?")
        req_body = body_bytes(rq.find("body"))
        headers = {h.get("name"): h.text or "" for h in rq.findall("header")}
        (out / f"req-{i:03d}.body").write_bytes(req_body)
        (out / f"req-{i:03d}.headers").write_text("".join(f"{k}: {v}\n" for k, v in headers.items()))
        auth = "noauth" if rs.get("status") == "401" else "auth"   # a recorded 401: sent without credentials
        reqs.append(f"{method}\t{target}\t{out / f'req-{i:03d}.headers'}\t{out / f'req-{i:03d}.body'}\t{auth}")
        pred = {"method": method, "path": path}
        if query:
            pred["query"] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if req_body:
            pred["body"] = req_body.decode("utf-8")
        # If-None-Match is part of the match (200 vs 304 / HasChanged=false); header names are
        # compared case-insensitively by mountebank only in a case-insensitive predicate
        if "If-None-Match" in headers:
            inm = {"equals": {"headers": {"If-None-Match": headers["If-None-Match"]}}}
        else:
            inm = {"exists": {"headers": {"If-None-Match": False}}}
        resp_body = rs.find("body")
        data = body_bytes(resp_body)
        is_ = {"statusCode": int(rs.get("status")),
               "headers": {h.get("name"): h.text or "" for h in rs.findall("header")}}
        if resp_body is not None and resp_body.get("kind") == "base64":
            is_["body"] = base64.b64encode(data).decode()
            is_["_mode"] = "binary"
        else:
            is_["body"] = data.decode("utf-8")
        # like the replay server: a recorded 401 answers requests without credentials only
        creds = {"exists": {"headers": {"Authorization": auth == "auth"}}}
        stubs.append({"predicates": [{"equals": pred, "caseSensitive": True}, inm, creds],
                      "responses": [{"is": is_}]})
    (out / "imposters.json").write_text(json.dumps({"imposters": [{
        "port": port, "protocol": "http", "recordRequests": False, "stubs": stubs}]}))
    (out / "reqs.tsv").write_text("\n".join(reqs) + "\n")
    print(f"{len(stubs)} stubs")


if __name__ == "__main__":
    main()
