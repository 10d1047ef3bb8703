"""Writes PAGES pages of PER_PAGE Stripe-charge-like records (flat fields, a nested metadata object)
as DIR/pages/<n>.json, each {"object": "list", "data": [...], "next": URL of the next page or null},
for the HTTP extraction benchmark (run.sh). Deterministic: the same arguments give the same bytes.
Usage: gen_pages.py DIR PAGES PER_PAGE BASE_URL"""
import json
import os
import sys

out, pages, per_page, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(os.path.join(out, "pages"), exist_ok=True)
statuses = ["succeeded", "pending", "failed"]
total = 0
for page in range(1, pages + 1):
    data = []
    for i in range(per_page):
        n = (page - 1) * per_page + i
        data.append({
            "id": f"ch_{n:012d}",
            "object": "charge",
            "amount": 100 + n % 99900,
            "amount_refunded": 0 if n % 10 else 500,
            "currency": "eur",
            "customer": f"cus_{n % 50000:08d}",
            "created": 1700000000 + n,
            "paid": n % 7 != 0,
            "status": statuses[n % 3],
            "description": f"order {n} for customer {n % 50000}",
            "metadata": {"order_id": str(n), "channel": "web"},
        })
    nxt = f"{base}/pages/{page + 1}.json" if page < pages else None
    with open(os.path.join(out, "pages", f"{page}.json"), "w") as f:
        json.dump({"object": "list", "data": data, "next": nxt}, f, separators=(",", ":"))
    total += len(data)
print(total)
