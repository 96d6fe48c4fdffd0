#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (committed; rerun after
changing this file: python3 fuzz/make_seeds.py). Seeds are small valid (and a few edge-case)
inputs; the fuzzer mutates them. Deterministic: no randomness, no clock."""
import base64
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
WRITTEN = {}
shutil.rmtree(ROOT, ignore_errors=True)  # the corpora are exactly what this file writes


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    WRITTEN[target] = WRITTEN.get(target, 0) + 1


def crlf(lines, body=b""):
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode() + (body.encode() if isinstance(body, str) else body)


# ---- bodies that pass each route's schema (and near misses) ----
BODIES = {
    "signup": {"email": "buyer@example.com", "password": "passw0rd!", "name": "김구매"},
    "login": {"email": "buyer@example.com", "password": "passw0rd!"},
    "refresh": {"refresh_token": "rt_0123456789abcdef"},
    "logout": {"refresh_token": "rt_0123456789abcdef"},
    "category": {"name": "의류", "slug": "clothes", "parent_id": 1, "position": -3},
    "product": {"name": "니트", "description": "따뜻한 니트", "price": 12900, "stock": 10, "category_id": 2,
                "status": "ON_SALE", "images": ["/media/uploads/a.png"]},
    "product_patch": {"price": 0, "stock": 1000000, "category_id": None, "status": "HIDDEN", "images": []},
    "cart_put": {"quantity": 99},
    "order": {"items": [{"product_id": 1, "quantity": 2}], "shipping_address":
              {"name": "홍길동", "phone": "010-1234-5678", "zip": "06236", "line1": "서울 강남구 테헤란로 1",
               "line2": "101호"}, "live_id": 1},
    "order_cart": {"from_cart": True, "shipping_address": {"name": "A", "phone": "010", "zip": "1", "line1": "x"}},
    "cancel": {"reason": "단순 변심"},
    "ship": {"carrier": "CJ대한통운", "tracking_number": "123456789012"},
    "live": {"title": "겨울 신상 라이브", "scheduled_at": "2026-11-23T10:00:00Z", "product_ids": [1, 2, 3]},
    "pin": {"product_id": 3},
    "unpin": {"product_id": None},
    "confirm": {"payment_key": "tsbx_abc", "order_id": "ORD-20261123-0001", "amount": 15900},
}
EDGE_BODIES = {
    "empty": "",
    "ws": " \t\r\n",
    "not_object": "[1,2,3]",
    "dup": '{"quantity":1,"quantity":2}',
    "unknown": '{"quantity":1,"extra":true}',
    "nul_escape": '{"name":"a\\u0000b"}',
    "surrogate": '{"name":"\\ud83d\\ude00\\ud800"}',
    "bigint": '{"quantity":123456789012345678901234567890}',
    "negint": '{"price":-9223372036854775808}',
    "real": '{"quantity":1.5}',
    "deep": "[" * 64 + "]" * 64,
    "nulls": '{"email":null,"password":null,"name":null}',
    # found by this target: the 400 for it was a 500 (jansson's error text cut the character)
    "korean_bad_escape": '{"name":"니\\트","description":"x"}',
    "long_str": json.dumps({"title": "가" * 101, "scheduled_at": "x", "product_ids": []}, ensure_ascii=False),
}


def dumps(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


# ---- fuzz_body_schema: selector byte + body ----
for i, (name, body) in enumerate(sorted(BODIES.items())):
    put("body_schema", name, bytes([i]) + dumps(body).encode())
for i, (name, body) in enumerate(sorted(EDGE_BODIES.items())):
    put("body_schema", "edge_" + name, bytes([i * 7 % 256]) + body.encode())

# ---- fuzz_http_request: raw HTTP/1.1 requests ----
HOST = "Host: 127.0.0.1:8080"
B = "Authorization: Bearer buyer:7"
S = "Authorization: Bearer seller:3"
A = "Authorization: Bearer admin:1"
JSON = "Content-Type: application/json"


def post(path, auth, body, extra=()):
    b = dumps(body).encode()
    lines = ["POST %s HTTP/1.1" % path, HOST] + ([auth] if auth else []) + [JSON, "Content-Length: %d" % len(b)]
    return crlf(lines + list(extra), b)


def method(m, path, auth, body):
    b = dumps(body).encode()
    return crlf(["%s %s HTTP/1.1" % (m, path), HOST, auth, JSON, "Content-Length: %d" % len(b)], b)


def get(path, *extra):
    return crlf(["GET %s HTTP/1.1" % path, HOST] + list(extra))


H = "http_request"
put(H, "healthz", get("/healthz"))
put(H, "products_query", get("/api/v1/products?q=%EB%8B%88%ED%8A%B8+%EB%B8%94%EB%9E%99&category_id=2&sort=price_asc"
                             "&page=1&per_page=20"))
put(H, "product_id", get("/api/v1/products/42", "Authorization: Bearer buyer:9"))
put(H, "product_bad_id", get("/api/v1/products/-1%2F..%00?x"))
put(H, "categories", get("/api/v1/categories"))
put(H, "lives_status", get("/api/v1/lives?status=LIVE&limit=10"))
put(H, "live_id", get("/api/v1/lives/1"))
put(H, "chat_history", get("/api/v1/lives/1/chat?limit=200"))
put(H, "ws_handshake", get("/api/v1/lives/1/chat?access_token=buyer%3A7", "Connection: Upgrade",
                           "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="))
put(H, "me", get("/api/v1/me", S))
put(H, "me_bad_token", get("/api/v1/me", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"))
put(H, "cart", get("/api/v1/cart", B))
put(H, "orders", get("/api/v1/orders?status=PAID&page=2", B))
put(H, "seller_orders", get("/api/v1/seller/orders", S))
put(H, "signup", post("/api/v1/auth/signup", None, BODIES["signup"]))
put(H, "login", post("/api/v1/auth/login", None, BODIES["login"]))
put(H, "logout", post("/api/v1/auth/logout", B, {}))
put(H, "category", post("/api/v1/categories", A, BODIES["category"]))
put(H, "product", post("/api/v1/products", S, BODIES["product"]))
put(H, "product_patch", method("PATCH", "/api/v1/products/5", S, BODIES["product_patch"]))
put(H, "product_delete", crlf(["DELETE /api/v1/products/5 HTTP/1.1", HOST, S]))
put(H, "cart_put", method("PUT", "/api/v1/cart/items/3", B, BODIES["cart_put"]))
put(H, "order", post("/api/v1/orders", B, BODIES["order"]))
put(H, "order_cancel", post("/api/v1/orders/12/cancel", B, BODIES["cancel"]))
put(H, "ship", post("/api/v1/seller/orders/12/ship", S, BODIES["ship"]))
put(H, "live_create", post("/api/v1/lives", S, BODIES["live"]))
put(H, "pin", post("/api/v1/lives/1/pin", S, BODIES["pin"]))
put(H, "confirm", post("/api/v1/payments/confirm", B, BODIES["confirm"]))
put(H, "payments_config", get("/api/v1/payments/config"))
put(H, "openapi", get("/api/openapi.json"))
put(H, "upload", crlf(["POST /api/v1/media/images HTTP/1.1", HOST, S, "Content-Type: image/png",
                       "Content-Length: 8"], b"\x89PNG\r\n\x1a\n"))
put(H, "wrong_method", crlf(["PUT /api/v1/products HTTP/1.1", HOST, "Content-Length: 0"]))
put(H, "unknown_api", get("/api/v2/nothing"))
put(H, "bad_json", crlf(["POST /api/v1/auth/login HTTP/1.1", HOST, JSON, "Content-Length: 9"], b'{"email":'))
form = b"call=publish&name=1&key=k_abc%20def&clientid=17&addr=127.0.0.1&app=live&tcurl=rtmp%3A%2F%2Fx"
put(H, "rtmp_publish", crlf(["POST /internal/rtmp/on_publish?token=tok%2B1 HTTP/1.1", HOST, "x-fuzz-loopback: 1",
                             "Content-Type: application/x-www-form-urlencoded", "Content-Length: %d" % len(form)], form))
put(H, "rtmp_update_remote", crlf(["POST /internal/rtmp/on_update HTTP/1.1", HOST,
                                   "Content-Type: application/x-www-form-urlencoded",
                                   "Content-Length: %d" % len(form)], form))
chunks = b'7\r\n{"email\r\n1a\r\n":"a@b.c","password":"x"}\r\n0\r\nX-Trailer: 1\r\n\r\n'
put(H, "chunked", crlf(["POST /api/v1/auth/login HTTP/1.1", HOST, JSON, "Transfer-Encoding: chunked"], chunks))
put(H, "cl_and_te", crlf(["POST /api/v1/auth/login HTTP/1.1", HOST, JSON, "Content-Length: 2",
                          "Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\n"))
put(H, "two_cl", crlf(["POST /api/v1/auth/refresh HTTP/1.1", HOST, JSON, "Content-Length: 2", "Content-Length: 3"],
                      b"{}"))
put(H, "too_large", crlf(["POST /api/v1/auth/refresh HTTP/1.1", HOST, JSON, "Content-Length: 70000"], b"{}"))
put(H, "nul_path", get("/media/uploads/X.png%00.html"))
put(H, "dotdot", get("/api/v1/../v1/products/%2e%2e/1?"))
put(H, "http10", b"GET /api/v1/products HTTP/1.0\r\n\r\n")
put(H, "checkout", get("/sandbox-pg/checkout?orderId=ORD-1234&amount=15900&orderName=%EB%8B%88%ED%8A%B8&"
                       "successUrl=%2Forders%2Fsuccess&failUrl=http%3A%2F%2F127.0.0.1%3A8080%2Ffail"))
put(H, "sandbox_get", get("/sandbox-pg/v1/payments/tsbx_abc", "Authorization: Basic " +
                          base64.b64encode(b"test_sk_broadcart_sandbox:").decode()))

# ---- fuzz_ws_chat: control byte + client frames (masked, RFC 6455 §5.2) ----
def frame(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, 0x80 | n])
    elif n < 65536:
        hdr = bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    else:
        hdr = bytes([b0, 0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return hdr + mask + masked


W = "ws_chat"
chat = dumps({"type": "chat", "text": "안녕하세요 👋"})
put(W, "chat_signed_in", bytes([0x03 | (63 << 2)]) + frame(1, chat))
put(W, "chat_anonymous", bytes([0x01 | (63 << 2)]) + frame(1, chat))
put(W, "chat_burst", bytes([0x03 | (63 << 2)]) + b"".join(frame(1, dumps({"type": "chat", "text": "m%d" % i}))
                                                        for i in range(7)))
put(W, "chat_fragmented", bytes([0x03 | (2 << 2)]) + frame(1, '{"type":"chat",', fin=False) +
    frame(9, "ping-in-between") + frame(0, '"text":"split"}'))
put(W, "chat_spaces", bytes([0x03 | (63 << 2)]) + frame(1, dumps({"type": "chat", "text": " \t\n "})))
put(W, "chat_too_long", bytes([0x03 | (63 << 2)]) + frame(1, dumps({"type": "chat", "text": "가" * 301})))
put(W, "chat_bad_type", bytes([0x03 | (63 << 2)]) + frame(1, '{"type":"pin","text":"x"}') + frame(1, "not json") +
    frame(1, '{"type":"chat","text":1}'))
put(W, "chat_big", bytes([0x03 | (63 << 2)]) + frame(1, "x" * 5000))
put(W, "pings_no_read", bytes([0x02 | (63 << 2)]) + b"".join(frame(9, "p" * 125) for _ in range(8)))
put(W, "pings_read", bytes([0x03 | (63 << 2)]) + b"".join(frame(9, "p" * 125) for _ in range(8)))
put(W, "binary_close", bytes([0x03 | (63 << 2)]) + frame(2, b"\x00\x01\x02") + frame(8, b"\x03\xe8bye"))
put(W, "unmasked", bytes([0x03 | (63 << 2)]) + bytes([0x81, 0x05]) + b"hello")
put(W, "bad_utf8", bytes([0x03 | (63 << 2)]) + frame(1, b'{"type":"chat","text":"\xc3\x28"}'))
put(W, "len64", bytes([0x03 | (63 << 2)]) + bytes([0x81, 0xFF]) + struct.pack(">Q", 1 << 62) + b"\x00\x00\x00\x00")

# ---- fuzz_media: image headers ----
def png(w, h, extra=b""):
    ihdr = struct.pack(">II", w, h) + b"\x08\x02\x00\x00\x00"
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + extra


def jpeg(w, h, pre=b""):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + pre + app0 + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\xff\xd9"


def riff(chunk, payload):
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


M = "media"
put(M, "png_ok", png(640, 480, b"<script>alert(1)</script>"))
put(M, "png_huge", png(0x7FFFFFFF, 1))
put(M, "png_zero", png(0, 0))
put(M, "png_sig_only", b"\x89PNG\r\n\x1a\n")
put(M, "jpeg_ok", jpeg(800, 600))
put(M, "jpeg_fill", jpeg(1, 1, pre=b"\xff\xff\xff\xd0"))
put(M, "jpeg_progressive", jpeg(8000, 8001).replace(b"\xff\xc0", b"\xff\xc2"))
put(M, "jpeg_truncated", jpeg(10, 10)[:20])
put(M, "jpeg_soi_eoi", b"\xff\xd8\xff\xd9")
put(M, "webp_vp8", riff(b"VP8 ", b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", 320, 240) + b"\x00" * 4))
put(M, "webp_vp8l", riff(b"VP8L", b"\x2f" + struct.pack("<I", (99) | (49 << 14)) + b"\x00" * 3))
put(M, "webp_vp8x", riff(b"VP8X", b"\x10\x00\x00\x00" + (1919).to_bytes(3, "little") + (1079).to_bytes(3, "little")))
put(M, "webp_short", b"RIFF\x04\x00\x00\x00WEBP")
put(M, "svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
put(M, "mime_line", b"image/PNG ; charset=binary\n\x89PNG\r\n\x1a\n")
put(M, "gif", b"GIF89a\x01\x00\x01\x00")

# ---- fuzz_toss_response: 2-byte status + body ----
T = "toss_response"
payment = {"mId": "tvivarepublica", "version": "2022-11-16", "paymentKey": "tsbx_fuzzpaymentkey0000000000000000",
           "orderId": "ORD-20261123-0001", "orderName": "니트 외 1건", "status": "DONE", "method": "카드",
           "totalAmount": 12900, "balanceAmount": 12900, "requestedAt": "2026-11-23T19:00:00+09:00",
           "approvedAt": "2026-11-23T19:00:05+09:00", "card": {"number": "43301234****123*", "approveNo": "00000000"},
           "cancels": None, "receipt": {"url": "http://127.0.0.1:8080/sandbox-pg/receipt/tsbx_x"}}


def st(code):
    return struct.pack(">H", code)


put(T, "done", st(200) + dumps(payment).encode())
put(T, "done_utc", st(200) + dumps(dict(payment, approvedAt="2026-11-23T10:00:05.123Z")).encode())
put(T, "done_bad_time", st(200) + dumps(dict(payment, approvedAt="2026-13-45T99:99:99+99:99")).encode())
put(T, "amount_mismatch", st(200) + dumps(dict(payment, totalAmount=1)).encode())
put(T, "in_progress", st(200) + dumps(dict(payment, status="IN_PROGRESS")).encode())
put(T, "canceled", st(200) + dumps(dict(payment, status="CANCELED", balanceAmount=0, cancels=[
    {"cancelAmount": 12900, "cancelReason": "단순 변심", "canceledAt": "2026-11-23T19:10:00+09:00",
     "transactionKey": "ABCDEF0123456789ABCDEF0123456789"}])).encode())
put(T, "declined", st(403) + dumps({"code": "REJECT_CARD_COMPANY", "message": "카드사에서 거절했습니다."}).encode())
put(T, "already", st(400) + dumps({"code": "ALREADY_PROCESSED_PAYMENT", "message": "이미 처리된 결제 입니다."}).encode())
put(T, "unauthorized", st(401) + dumps({"code": "UNAUTHORIZED_KEY", "message": "인증되지 않은 시크릿 키"}).encode())
put(T, "server_error", st(500) + dumps({"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "x"}).encode())
put(T, "html_502", st(502) + b"<html><body><h1>502 Bad Gateway</h1></body></html>")
put(T, "empty_200", st(200))
put(T, "array", st(200) + b"[]")
put(T, "wrong_types", st(200) + b'{"status":1,"totalAmount":"12900","paymentKey":[],"approvedAt":{},"code":null}')
put(T, "truncated", st(200) + dumps(payment).encode()[:57])

# ---- fuzz_sandbox_form: requests separated by "%%" lines ----
AUTH = "Basic " + base64.b64encode(b"test_sk_broadcart_sandbox:").decode()
P = "sandbox_form"


def req(op, query="", auth="", idem="", test="", body=""):
    return "\n".join([op, query, auth, idem, test, body])


window = dumps({"orderId": "ORD-20261123-0001", "amount": 12900, "orderName": "니트 외 1건"})
confirm = dumps({"paymentKey": "@KEY@", "orderId": "ORD-20261123-0001", "amount": 12900})
put(P, "checkout", req("C", "orderId=ORD-20261123-0001&amount=12900&orderName=%EB%8B%88%ED%8A%B8+%EC%99%B8&"
                           "successUrl=%2Fpay%2Fsuccess%3Fx%3D1&failUrl=http%3A%2F%2F127.0.0.1%3A8080%2Fpay%2Ffail"))
put(P, "checkout_bad", req("C", "orderId=%3Cscript%3E&amount=1e3&orderName=&successUrl=javascript:alert(1)&"
                               "failUrl=%2F%2Fevil.example"))
put(P, "checkout_edges", req("C", "orderId=abcdef&amount=1000000000&orderName=%ZZ%4&successUrl=/a&failUrl=/b&"
                                 "orderId=second&&=x&amount"))
put(P, "pay_confirm_get_cancel", "\n%%\n".join([
    req("P", body=window),
    req("F", auth=AUTH, idem="confirm-1", body=confirm),
    req("F", auth=AUTH, idem="confirm-1", body=confirm),
    req("G@", auth=AUTH),
    req("OORD-20261123-0001", auth=AUTH),
    req("X@", auth=AUTH, idem="cancel-1", body=dumps({"cancelReason": "단순 변심", "cancelAmount": 2900})),
    req("X@", auth=AUTH, body=dumps({"cancelReason": "전액"})),
    req("R@"),
]))
put(P, "test_code", "\n%%\n".join([req("P", body=window),
                                    req("F", auth=AUTH, test="REJECT_CARD_COMPANY", body=confirm)]))
put(P, "bad_auth", "\n%%\n".join([req("G@", auth="Basic dGVzdF9za194"), req("G@", auth="Basic !!!"),
                                   req("Gx", auth="Bearer x"), req("F", auth=AUTH, body="[]")]))
put(P, "form_body", req("P", body="call=publish&name=1&key=k%20ey&clientid=17+18&addr=%31%32%3"))

print(" ".join("%s:%d" % kv for kv in sorted(WRITTEN.items())))
