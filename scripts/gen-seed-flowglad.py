#!/usr/bin/env python3
"""Generates assets/sandbox/flowglad.json: the Flowglad sandbox's demo account.

"Fernhill Forms", an online-forms product sold through one Flowglad pricing model: a free
default plan, Starter (14-day trial), Pro, Business, and a one-off onboarding workshop
(a single-payment price). Meters become usage meters with per-plan credit grants,
customizable features become resources. Deterministic: run it again, get the same file.
The first subscriptions are fixtures the tests rely on; keep them first and unchanged.
"""
import json
import os
import random
from collections import Counter

random.seed(11)

people = [
    # name, email, country
    ("Katharina Müller", "k.mueller@kanzlei-mueller.de", "DE"), ("Łukasz Zieliński", "lukasz@zielinski-druk.pl", "PL"),
    ("山田 花子", "hanako.yamada@yamada-sekkei.jp", "JP"), ("Hanna Virtanen", "hanna@virtanen-design.fi", "FI"),
    ("Oluwaseun Adeyemi", "seun@lagoslabs.ng", "NG"), ("Camille Rousseau", "camille@rousseau-conseil.fr", "FR"),
    ("Joaquín Herrera", "joaquin@herrera-arquitectos.cl", "CL"), ("Siobhán Ní Bhriain", "siobhan@nibhriain.ie", "IE"),
    ("Rasmus Nørgaard", "rasmus@norgaard-mobler.dk", "DK"), ("Beatriz Gonçalves", "beatriz@goncalves-eventos.pt", "PT"),
    ("Václav Dvořák", "vaclav@dvorak-hudba.cz", "CZ"), ("Zeynep Kaya", "zeynep@kaya-ajans.com.tr", "TR"),
    ("Thandiwe Ndlovu", "thandi@ndlovu-consulting.co.za", "ZA"), ("Ngozi Eze", "ngozi@ezehealth.ng", "NG"),
    ("佐藤 健", "ken.sato@sato-koubou.jp", "JP"), ("陈静", "jing.chen@bamboo-data.cn", "CN"),
    ("이서연", "seoyeon.lee@hangang-media.kr", "KR"), ("Trần Thị Mai", "mai.tran@hanoi-hospitality.vn", "VN"),
    ("Anja Kovačević", "anja@kovacevic-studio.hr", "HR"), ("Miloš Petrović", "milos@petrovic-tech.rs", "RS"),
    ("Gréta Szilágyi", "greta@szilagyi-kert.hu", "HU"), ("Jonas Schröder", "jonas@schroeder-fahrrad.de", "DE"),
    ("Élodie Marchand", "elodie@marchand-patisserie.fr", "FR"), ("Pablo Ruiz", "pablo@ruiz-formacion.es", "ES"),
    ("Giulia Conti", "giulia@conti-viaggi.it", "IT"), ("Lars Eriksson", "lars@eriksson-bygg.se", "SE"),
    ("Marit Solberg", "marit@solberg-fiske.no", "NO"), ("Bram de Vries", "bram@devries-fietsen.nl", "NL"),
    ("Julia Wagner", "julia.wagner@wagner-physio.at", "AT"), ("Luca Meier", "luca@meier-uhren.ch", "CH"),
    ("Aisha Rahman", "aisha@rahman-tutoring.co.uk", "GB"), ("George Whitfield", "george@whitfield-press.co.uk", "GB"),
    ("Emily Carter", "emily@carter-clinic.co.uk", "GB"), ("Harper Nguyen", "harper@nguyen-bakes.com", "US"),
    ("Mason Rivera", "mason@rivera-roofing.com", "US"), ("Chloe Patterson", "chloe@patterson-pets.com", "US"),
    ("Daniel Okoye", "daniel@okoye-realty.com", "US"), ("Grace Kim", "grace@kim-dental.com", "US"),
    ("Logan Brooks", "logan@brooks-fitness.com", "US"), ("Zoe Martinez", "zoe@martinez-salon.com", "US"),
    ("Nathan Price", "nathan@price-auto.com", "US"), ("Lily Chen", "lily@chen-accounting.ca", "CA"),
    ("Owen MacLeod", "owen@macleod-outfitters.ca", "CA"), ("Ruby Thompson", "ruby@thompson-vineyard.com.au", "AU"),
    ("Tama Ngata", "tama@ngata-tours.co.nz", "NZ"), ("Priyanka Iyer", "priyanka@iyer-edtech.in", "IN"),
    ("Vikram Singh", "vikram@singh-logistics.in", "IN"), ("Farah Haddad", "farah@haddad-kitchen.ae", "AE"),
    ("Omar Benali", "omar@benali-immobilier.ma", "MA"), ("Amani Mwangi", "amani@mwangi-coffee.ke", "KE"),
    ("Kwabena Owusu", "kwabena@owusu-solar.gh", "GH"), ("Mariana Souza", "mariana@souza-moda.com.br", "BR"),
    ("Santiago López", "santiago@lopez-legal.mx", "MX"), ("Valentina Rojas", "valentina@rojas-cafe.co", "CO"),
    ("Sofia Lindholm", "sofia@lindholm-yoga.fi", "FI"), ("Ingrid Dahl", "ingrid@dahl-keramikk.no", "NO"),
    ("Nikos Georgiou", "nikos@georgiou-olive.gr", "GR"), ("Ewa Kamińska", "ewa@kaminska-biuro.pl", "PL"),
    ("Dóra Kiss", "dora@kiss-fordito.hu", "HU"), ("Jürgen Hoffmann", "juergen@hoffmann-holz.de", "DE"),
    ("Søren Bach", "soren@bach-lyd.dk", "DK"), ("Noémie Lefort", "noemie@lefort-fleurs.be", "BE"),
    ("Ahmad Karimi", "ahmad@karimi-carpets.example", "DE"), ("Yusuf Demir", "yusuf@demir-gida.com.tr", "TR"),
]

def external_id(name, email):
    local = email.split("@")[1].split(".")[0].replace("-", "_")
    return "user_" + local

customers = []
seen = set()
for name, email, country in people:
    cid = external_id(name, email)
    while cid in seen:
        cid += "_2"
    seen.add(cid)
    customers.append({"id": cid, "name": name, "email": email, "country": country,
                      "created_days_ago": random.randint(15, 800)})

def grants(subs, credits, seats, spaces, domain, sso, branding, support):
    return [{"feature": "form-submissions", "value": subs}, {"feature": "ai-credits", "value": credits},
            {"feature": "editor-seats", "value": seats}, {"feature": "workspaces", "value": spaces},
            {"feature": "custom-domain", "value": domain}, {"feature": "sso", "value": sso},
            {"feature": "remove-branding", "value": branding}, {"feature": "priority-support", "value": support}]

def prices(rows):
    return [{"currency": c, "period": p, "amount": a} for c, p, a in rows]

seed = {
    "products": [{"id": "fernhill", "name": "Fernhill Forms"}],
    "features": [
        {"id": "form-submissions", "name": "Form submissions", "type": "meter", "unit": "submission"},
        {"id": "ai-credits", "name": "AI credits", "type": "meter", "unit": "credit"},
        {"id": "editor-seats", "name": "Editor seats", "type": "customizable"},
        {"id": "workspaces", "name": "Workspaces", "type": "customizable"},
        {"id": "custom-domain", "name": "Custom domain", "type": "boolean"},
        {"id": "sso", "name": "Single sign-on", "type": "boolean"},
        {"id": "remove-branding", "name": "Remove Fernhill branding", "type": "boolean"},
        {"id": "priority-support", "name": "Priority support", "type": "boolean"},
    ],
    "plans": [
        {"id": "free", "name": "Free", "product": "fernhill", "description": "One workspace and 100 submissions a month.",
         "prices": prices([("USD", "MONTHLY", "0.00")]),
         "grants": grants(100, 20, 1, 1, False, False, False, False)},
        {"id": "starter", "name": "Starter", "product": "fernhill", "trial_days": 14,
         "description": "For small teams collecting their first thousands of responses.",
         "prices": prices([("USD", "MONTHLY", "12.00"), ("USD", "YEARLY", "120.00"), ("EUR", "MONTHLY", "11.00"),
                           ("EUR", "YEARLY", "110.00"), ("GBP", "MONTHLY", "10.00"), ("GBP", "YEARLY", "100.00")]),
         "grants": grants(2000, 500, 3, 3, False, False, True, False)},
        {"id": "pro", "name": "Pro", "product": "fernhill",
         "description": "Custom domains, more seats and AI credits for growing teams.",
         "prices": prices([("USD", "MONTHLY", "39.00"), ("USD", "YEARLY", "390.00"), ("EUR", "MONTHLY", "36.00"),
                           ("EUR", "YEARLY", "360.00"), ("GBP", "MONTHLY", "32.00"), ("GBP", "YEARLY", "320.00"),
                           ("JPY", "MONTHLY", "5900"), ("JPY", "YEARLY", "59000")]),
         "grants": grants(20000, 5000, 10, 10, True, False, True, False)},
        {"id": "business", "name": "Business", "product": "fernhill",
         "description": "SSO, priority support and room for the whole organisation.",
         "prices": prices([("USD", "MONTHLY", "129.00"), ("USD", "YEARLY", "1290.00"), ("EUR", "MONTHLY", "119.00"),
                           ("EUR", "YEARLY", "1190.00"), ("GBP", "MONTHLY", "105.00"), ("CHF", "MONTHLY", "125.00"),
                           ("CHF", "YEARLY", "1250.00")]),
         "grants": grants(200000, 50000, 50, 50, True, True, True, True)},
        {"id": "onboarding", "name": "Onboarding workshop", "product": "fernhill",
         "description": "A one-off, two-hour setup session with our team.",
         "prices": prices([("USD", "ONE_TIME", "499.00"), ("EUR", "ONE_TIME", "459.00")]),
         "grants": []},
    ],
    "customers": customers,
    "subscriptions": [],
}
plans = {p["id"]: p for p in seed["plans"]}
by_id = {c["id"]: c for c in customers}

def limit(plan, feature):
    return next(g["value"] for g in plans[plan]["grants"] if g["feature"] == feature)

def sub(customer, plan, period, currency, status="active", days=40, usage=None, **extra):
    row = {"customer": customer, "plan": plan, "period": period, "currency": currency, "status": status,
           "started_days_ago": days, "usage": usage or {}}
    row.update(extra)
    return row

fixtures = [
    # Two current subscriptions: meters and seats add up across them.
    sub("user_kanzlei_mueller", "pro", "MONTHLY", "EUR", days=200,
        usage={"form-submissions": 15000, "ai-credits": 1200}, quantities={"editor-seats": 14}),
    sub("user_kanzlei_mueller", "starter", "MONTHLY", "EUR", days=20, usage={"form-submissions": 300}),
    sub("user_kanzlei_mueller", "onboarding", "ONE_TIME", "EUR", days=190),
    # An active Starter (USD, monthly, card on file) to upgrade to Pro.
    sub("user_nguyen_bakes", "starter", "MONTHLY", "USD", days=75, usage={"form-submissions": 1200, "ai-credits": 80}),
    # Active Pro subscriptions to downgrade and to cancel.
    sub("user_rivera_roofing", "pro", "MONTHLY", "USD", days=130, usage={"form-submissions": 9000}),
    sub("user_patterson_pets", "pro", "MONTHLY", "USD", days=33, usage={"ai-credits": 4999}),
    sub("user_okoye_realty", "business", "YEARLY", "USD", days=300, usage={"form-submissions": 150000}),
    # A cancellation already scheduled, to undo.
    sub("user_kim_dental", "pro", "YEARLY", "USD", days=250, cancel_at_period_end=True),
    # Waiting for its first payment: activated through an activate_subscription checkout.
    sub("user_brooks_fitness", "business", "MONTHLY", "USD", status="incomplete", days=1),
    # Over its credits: usage beyond the grant.
    sub("user_zielinski_druk", "starter", "MONTHLY", "EUR", days=95, usage={"form-submissions": 2600, "ai-credits": 510}),
    sub("user_yamada_sekkei", "pro", "MONTHLY", "JPY", days=410, usage={"form-submissions": 18000, "ai-credits": 4700}),
    sub("user_meier_uhren", "business", "MONTHLY", "CHF", days=150, usage={"form-submissions": 42000}),
]
seed["subscriptions"].extend(fixtures)
fixed = {f["customer"] for f in fixtures}

currency_for = {"DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR", "AT": "EUR", "IE": "EUR", "PT": "EUR",
                "GR": "EUR", "FI": "EUR", "BE": "EUR", "HR": "EUR", "GB": "GBP", "JP": "JPY", "CH": "CHF"}
statuses = ["active"] * 9 + ["trialing", "past_due", "canceled", "paused"]
for i, c in enumerate(customers):
    if c["id"] in fixed:
        continue
    if i % 9 == 5:
        continue  # signed up, never subscribed (archived default plan or created before it existed)
    currency = currency_for.get(c["country"], "USD")
    if i % 6 == 2:
        seed["subscriptions"].append(sub(c["id"], "free", "MONTHLY", "USD", days=random.randint(5, 600),
                                         usage={"form-submissions": random.choice([0, 12, 60, 99, 100])}))
        continue
    options = [(p["id"], pr["period"]) for p in seed["plans"] for pr in p["prices"]
               if pr["currency"] == currency and p["id"] not in ("free", "onboarding")]
    plan, period = random.choice(options)
    status = random.choice(statuses)
    if status == "trialing" and plan != "starter":
        status = "active"
    usage = {}
    for feature in ("form-submissions", "ai-credits"):
        fraction = random.choice([0.0, 0.03, 0.25, 0.5, 0.8, 0.96, 1.0, 1.15])
        usage[feature] = int(limit(plan, feature) * fraction)
    row = sub(c["id"], plan, period, currency, status=status, days=random.randint(3, 700), usage=usage)
    if status == "active" and i % 7 == 3:
        row["cancel_at_period_end"] = True
    if plan in ("pro", "business") and i % 4 == 1:
        row["quantities"] = {"editor-seats": limit(plan, "editor-seats") + random.randint(2, 12)}
    seed["subscriptions"].append(row)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "sandbox", "flowglad.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(seed, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(customers), "customers,", len(seed["subscriptions"]), "subscriptions")
print(Counter(s["status"] + ("+cancel" if s.get("cancel_at_period_end") else "") for s in seed["subscriptions"]))
