#!/usr/bin/env python3
"""Writes assets/sandbox/zenskar.json: the Zenskar sandbox's demo data in the provider-neutral
seed format (src/sandbox/seed.rs). Deterministic: re-running gives the same file.

The emulator turns each plan price (currency x period) into one Zenskar plan, booleans and
meters into grants of a per-plan platform product, and customizable features (seats,
templates) into per-unit add-on products whose quantity the checkout can override.
"""
import json
import os
import random
from collections import Counter

random.seed(11)

# Different people from Kelviq's seed; non-ASCII names on purpose.
PEOPLE = [
    ("Greta Müller", "greta@mueller-kanzlei.de", "DE"), ("Łukasz Zieliński", "lukasz@zielinski-prawo.pl", "PL"),
    ("山田 花子", "hanako@yamada-fudosan.jp", "JP"), ("François Lemaître", "francois@lemaitre-notaires.fr", "FR"),
    ("Åsa Lindgren", "asa@lindgren-juridik.se", "SE"), ("José Ramírez", "jose@ramirez-seguros.mx", "MX"),
    ("Siobhán Ní Bhriain", "siobhan@nibhriain.ie", "IE"), ("Dagný Jónsdóttir", "dagny@jonsdottir.is", "IS"),
    ("Çağla Demir", "cagla@demir-hukuk.com.tr", "TR"), ("Thảo Phạm", "thao@pham-logistics.vn", "VN"),
    ("Jiří Dvořák", "jiri@dvorak-reality.cz", "CZ"), ("Małgorzata Wrona", "m.wrona@wrona-ksiegowosc.pl", "PL"),
    ("Søren Holm", "soren@holm-arkitekter.dk", "DK"), ("Zsófia Tóth", "zsofia@toth-ugyved.hu", "HU"),
    ("이서연", "seoyeon.lee@hanul-legal.kr", "KR"), ("王 芳", "fang.wang@jinqiao-trade.cn", "CN"),
    ("Αλέξανδρος Παπαδάκης", "alex@papadakis-shipping.gr", "GR"), ("Дарья Смирнова", "daria@smirnova-design.example", "EE"),
    ("Ngozi Adeyemi", "ngozi@adeyemi-realty.ng", "NG"), ("Tiago Gonçalves", "tiago@goncalves-imobiliaria.pt", "PT"),
    ("Renée Dubois-Martin", "renee@duboismartin.be", "BE"), ("Matthias Weiß", "matthias@weiss-steuer.at", "AT"),
    ("Anja Kovačič", "anja@kovacic.si", "SI"), ("Oğuz Kaya", "oguz@kaya-insaat.com.tr", "TR"),
    ("Priyanka Iyer", "priyanka@iyer-associates.in", "IN"), ("Rahul Mehta", "rahul@mehta-exports.in", "IN"),
    ("Sneha Kulkarni", "sneha@kulkarni-clinic.in", "IN"), ("Haruto Sato", "haruto@sato-kensetsu.jp", "JP"),
    ("Yui Takahashi", "yui@takahashi-kikaku.jp", "JP"), ("Oliver Hughes", "oliver@hughes-solicitors.co.uk", "GB"),
    ("Amelia Clarke", "amelia@clarke-lettings.co.uk", "GB"), ("Harry Patel", "harry@patel-pharmacy.co.uk", "GB"),
    ("Isla Campbell", "isla@campbell-estates.co.uk", "GB"), ("Elena Russo", "elena@russo-assicurazioni.it", "IT"),
    ("Lorenzo Ferrari", "lorenzo@ferrari-ingegneria.it", "IT"), ("Lucía Navarro", "lucia@navarro-gestoria.es", "ES"),
    ("Pablo Ortega", "pablo@ortega-construcciones.es", "ES"), ("Sanne de Vries", "sanne@devries-advies.nl", "NL"),
    ("Daan Bakker", "daan@bakker-makelaardij.nl", "NL"), ("Aino Virtanen", "aino@virtanen-tilitoimisto.fi", "FI"),
    ("Kaito Nakamura", "kaito@nakamura-soft.jp", "JP"), ("Mariana Costa", "mariana@costa-contabil.com.br", "BR"),
    ("Valentina Rojas", "valentina@rojas-abogados.cl", "CL"), ("Chinedu Okeke", "chinedu@okeke-energy.ng", "NG"),
    ("Wanjiku Kamau", "wanjiku@kamau-agri.ke", "KE"), ("Thabo Nkosi", "thabo@nkosi-property.co.za", "ZA"),
    ("Noor Al-Hashimi", "noor@alhashimi-legal.ae", "AE"), ("Avi Cohen", "avi@cohen-ventures.il", "IL"),
    ("Emily Carter", "emily@carter-realty.com", "US"), ("Michael Nguyen", "michael@nguyen-dental.com", "US"),
    ("Sarah Goldberg", "sarah@goldberg-law.com", "US"), ("David Okonkwo", "david@okonkwo-cpa.com", "US"),
    ("Jessica Ramos", "jessica@ramos-insurance.com", "US"), ("Daniel Kim", "daniel@kim-architects.com", "US"),
    ("Ashley Thompson", "ashley@thompson-hr.com", "US"), ("Christopher Lee", "chris@lee-logistics.com", "US"),
    ("Megan O'Connor", "megan@oconnor-events.com", "US"), ("Brandon Wright", "brandon@wright-roofing.com", "US"),
    ("Chloe Tremblay", "chloe@tremblay-immobilier.ca", "CA"), ("Liam MacDonald", "liam@macdonald-fisheries.ca", "CA"),
    ("Ruby Walker", "ruby@walker-vet.com.au", "AU"), ("Jack Mitchell", "jack@mitchell-builders.com.au", "AU"),
    ("Mia Schneider", "mia@schneider-praxis.de", "DE"), ("Felix Böhm", "felix@boehm-immobilien.de", "DE"),
    ("Léo Girard", "leo@girard-expertise.fr", "FR"), ("Inès Benali", "ines@benali-conseil.fr", "FR"),
    ("Nikola Jovanović", "nikola@jovanovic.rs", "RS"), ("Ilse Vermeulen", "ilse@vermeulen.be", "BE"),
]

CURRENCY = {c: "EUR" for c in ["DE", "FR", "IT", "ES", "NL", "AT", "PT", "IE", "FI", "BE", "SI", "GR", "EE"]}
CURRENCY.update({"GB": "GBP", "IN": "INR", "JP": "JPY"})


def grants(api, envelopes, seats, templates, sso, audit, bulk):
    return [
        {"feature": "api-calls", "value": api}, {"feature": "envelopes", "value": envelopes},
        {"feature": "seats", "value": seats}, {"feature": "templates", "value": templates},
        {"feature": "sso", "value": sso}, {"feature": "audit-trail", "value": audit},
        {"feature": "bulk-send", "value": bulk},
    ]


def prices(*rows):
    return [{"currency": c, "period": p, "amount": a} for c, p, a in rows]


PLANS = [
    {"id": "essentials", "name": "Essentials", "product": "quill",
     "description": "Sign and send for freelancers and small offices.", "trial_days": 14,
     "prices": prices(("USD", "MONTHLY", "15.00"), ("USD", "YEARLY", "150.00"), ("EUR", "MONTHLY", "14.00"),
                      ("EUR", "YEARLY", "140.00"), ("GBP", "MONTHLY", "12.00"), ("INR", "MONTHLY", "999.00"),
                      ("INR", "YEARLY", "9990.00")),
     "grants": grants(5000, 50, 1, 5, False, False, False)},
    {"id": "team", "name": "Team", "product": "quill",
     "description": "Shared templates and an audit trail for growing teams.",
     "prices": prices(("USD", "MONTHLY", "45.00"), ("USD", "YEARLY", "450.00"), ("EUR", "MONTHLY", "42.00"),
                      ("EUR", "YEARLY", "420.00"), ("GBP", "MONTHLY", "36.00"), ("GBP", "YEARLY", "360.00"),
                      ("JPY", "MONTHLY", "6500"), ("JPY", "YEARLY", "65000"), ("INR", "MONTHLY", "2999.00")),
     "grants": grants(50000, 500, 5, 25, False, True, False)},
    {"id": "business", "name": "Business", "product": "quill",
     "description": "SSO, bulk send and higher limits for regulated businesses.",
     "prices": prices(("USD", "MONTHLY", "129.00"), ("USD", "THREE_MONTHS", "369.00"), ("USD", "YEARLY", "1290.00"),
                      ("EUR", "MONTHLY", "119.00"), ("EUR", "YEARLY", "1190.00"), ("GBP", "MONTHLY", "99.00"),
                      ("GBP", "YEARLY", "990.00"), ("JPY", "MONTHLY", "18500"), ("INR", "YEARLY", "89990.00")),
     "grants": grants(500000, 5000, 25, 250, True, True, True)},
    {"id": "enterprise", "name": "Enterprise", "product": "quill",
     "description": "Unlimited templates, dedicated support, annual contract.",
     "prices": prices(("USD", "MONTHLY", "900.00"), ("USD", "YEARLY", "9600.00"), ("EUR", "YEARLY", "8900.00"),
                      ("GBP", "YEARLY", "7700.00")),
     "grants": grants(5000000, 100000, 200, 10000, True, True, True)},
]

FEATURES = [
    {"id": "api-calls", "name": "API calls", "type": "meter", "unit": "call"},
    {"id": "envelopes", "name": "Signature envelopes", "type": "meter", "unit": "envelope"},
    {"id": "seats", "name": "Seats", "type": "customizable"},
    {"id": "templates", "name": "Templates", "type": "customizable"},
    {"id": "sso", "name": "Single sign-on", "type": "boolean"},
    {"id": "audit-trail", "name": "Audit trail", "type": "boolean"},
    {"id": "bulk-send", "name": "Bulk send", "type": "boolean"},
]


def customer_id(email):
    return "crm_" + email.split("@")[1].split(".")[0].replace("-", "_")


def main():
    customers, seen = [], set()
    for name, email, country in PEOPLE:
        cid = customer_id(email)
        assert cid not in seen, cid
        seen.add(cid)
        customers.append({"id": cid, "name": name, "email": email, "country": country,
                          "created_days_ago": random.randint(15, 1100)})
    plans = {p["id"]: p for p in PLANS}
    statuses = ["active"] * 8 + ["trialing", "past_due", "canceled", "incomplete", "paused"]
    subscriptions = []
    for i, c in enumerate(customers):
        if i % 8 == 7:
            continue  # prospects without a contract
        cur = CURRENCY.get(c["country"], "USD")
        options = [(p["id"], pr["period"]) for p in PLANS for pr in p["prices"] if pr["currency"] == cur]
        plan, period = random.choice(options)
        status = random.choice(statuses)
        if status == "trialing" and plan != "essentials":
            status = "active"
        started = random.randint(20, 700)
        if status == "trialing":
            started = random.randint(1, 10)
        usage = {}
        for g in plans[plan]["grants"]:
            if g["feature"] in ("api-calls", "envelopes"):
                usage[g["feature"]] = int(g["value"] * random.choice([0.0, 0.03, 0.25, 0.5, 0.72, 0.9, 0.99, 1.0]))
        sub = {"customer": c["id"], "plan": plan, "period": period, "currency": cur, "status": status,
               "started_days_ago": started, "usage": usage}
        if status == "active" and i % 6 == 2:
            sub["cancel_at_period_end"] = True
        if plan in ("team", "business") and i % 3 == 0:
            seats = next(g["value"] for g in plans[plan]["grants"] if g["feature"] == "seats")
            sub["quantities"] = {"seats": seats + random.randint(1, 9)}
        subscriptions.append(sub)
    # A couple of fresh trials (the random draw rarely lands on the trial plan).
    trials = [s for s in subscriptions if s["plan"] == "essentials" and s["status"] == "active"
              and not s.get("cancel_at_period_end")][:2]
    for n, s in enumerate(trials):
        s["status"], s["started_days_ago"] = "trialing", 3 + 5 * n
    # Two live contracts for one customer: entitlement totals add up across contracts.
    subscriptions.append({"customer": customers[0]["id"], "plan": "team", "period": "MONTHLY", "currency": "EUR",
                          "status": "active", "started_days_ago": 45,
                          "usage": {"api-calls": 20000, "envelopes": 120}})
    seed = {"products": [{"id": "quill", "name": "Quillstack Sign"}], "features": FEATURES, "plans": PLANS,
            "customers": customers, "subscriptions": subscriptions}
    out = os.path.join(os.path.dirname(__file__), "..", "assets", "sandbox", "zenskar.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(seed, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(len(customers), "customers,", len(subscriptions), "subscriptions")
    print(Counter(s["status"] for s in subscriptions))


if __name__ == "__main__":
    main()
