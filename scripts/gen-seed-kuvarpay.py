"""Generates assets/sandbox/kuvarpay.json: the KuvarPay sandbox's demo merchant.

The merchant ("Harmattan Cloud", a Lagos hosting company) sells subscription plans priced in
NGN, USD, GHS and KES. KuvarPay has no customer API and no entitlements: customers exist only
through checkout sessions and subscriptions, so every customer here has at least one
subscription, and plans grant nothing. `usage` is the count of processed transactions the
emulator bills as a METERED subscription invoice. Deterministic: run it again, same file.
"""
import json
import os
import random
from collections import Counter

random.seed(31)

# (name, email, country). Different people from the Kelviq seed; non-ASCII names on purpose.
people = [
    ("Adébáyọ̀ Ògúnlésì", "adebayo@ogunlesi-foods.ng", "NG"), ("Chiamaka Nwosu", "chiamaka@nwosu-pharma.ng", "NG"),
    ("Hannah Müller", "hannah.mueller@kraemer-logistik.de", "DE"), ("Łukasz Zieliński", "lukasz@zielinski-dev.pl", "PL"),
    ("山田 花子", "hanako.yamada@yamada-kobo.jp", "JP"), ("Ngozi Okonkwo", "ngozi@okonkwo-textiles.ng", "NG"),
    ("Kwabena Asante", "kwabena@asante-cocoa.gh", "GH"), ("Wanjiku Kamau", "wanjiku@kamau-agri.ke", "KE"),
    ("Thabo Mokoena", "thabo@mokoena-solar.co.za", "ZA"), ("Oluwaseun Adéyemí", "seun@adeyemi-media.ng", "NG"),
    ("Fatoumata Diallo", "fatoumata@diallo-mode.sn", "SN"), ("Mamadou Ndiaye", "mamadou@ndiaye-transport.sn", "SN"),
    ("Zainab Bello", "zainab@bello-clinic.ng", "NG"), ("Émilie Gagnon", "emilie@gagnon-bistro.ca", "CA"),
    ("José Martínez", "jose@martinez-envios.mx", "MX"), ("Ólafur Sigurðsson", "olafur@nordurljos.is", "IS"),
    ("Þóra Jónsdóttir", "thora@jonsdottir-hus.is", "IS"), ("Ahmed El-Masri", "ahmed@elmasri-trading.eg", "EG"),
    ("Ivan Petrović", "ivan@petrovic-soft.rs", "RS"), ("Dorota Wróbel", "dorota@wrobel-studio.pl", "PL"),
    ("Jiří Dvořák", "jiri@dvorak-audio.cz", "CZ"), ("Gülşen Öztürk", "gulsen@ozturk-kilim.com.tr", "TR"),
    ("Nnamdi Eze", "nnamdi@eze-motors.ng", "NG"), ("Ifeoma Chukwu", "ifeoma@chukwu-legal.ng", "NG"),
    ("Tunde Bakare", "tunde@bakare-studios.ng", "NG"), ("Efua Mensah", "efua@mensah-crafts.gh", "GH"),
    ("Abena Owusu", "abena@owusu-events.gh", "GH"), ("Yaw Darko", "yaw@darko-freight.gh", "GH"),
    ("王芳", "wang.fang@jadebridge.cn", "CN"), ("박서준", "seojun.park@hangang-labs.kr", "KR"),
    ("سارة الحربي", "sara@alharbi-design.sa", "SA"), ("佐藤 健", "ken.sato@sato-print.jp", "JP"),
    ("Aisha Abubakar", "aisha@abubakar-farms.ng", "NG"), ("Emeka Obi", "emeka@obi-electronics.ng", "NG"),
    ("Funmilayo Ransome", "funmi@ransome-academy.ng", "NG"), ("Chinedu Okafor", "chinedu@okafor-builders.ng", "NG"),
    ("Halima Yusuf", "halima@yusuf-boutique.ng", "NG"), ("Segun Ayodele", "segun@ayodele-games.ng", "NG"),
    ("Kemi Adetola", "kemi@adetola-beauty.ng", "NG"), ("Bukola Saraki-Lawal", "bukola@lawal-consult.ng", "NG"),
    ("Njeri Mwangi", "njeri@mwangi-coffee.ke", "KE"), ("Otieno Ouma", "otieno@ouma-water.ke", "KE"),
    ("Achieng Odhiambo", "achieng@odhiambo-health.ke", "KE"), ("Kipchoge Rotich", "kipchoge@rotich-runners.ke", "KE"),
    ("Ama Serwaa", "ama@serwaa-kente.gh", "GH"), ("Kojo Antwi", "kojo@antwi-sound.gh", "GH"),
    ("Sipho Dlamini", "sipho@dlamini-tours.co.za", "ZA"), ("Naledi Khumalo", "naledi@khumalo-art.co.za", "ZA"),
    ("Amadou Traoré", "amadou@traore-coton.ml", "ML"), ("Aïcha Koné", "aicha@kone-cosmetiques.ci", "CI"),
    ("Grégoire Lefèbvre", "gregoire@lefebvre-vins.fr", "FR"), ("Søren Mikkelsen", "soren@mikkelsen-design.dk", "DK"),
    ("María José Ruiz", "mariajose@ruiz-arquitectura.es", "ES"), ("João Gonçalves", "joao@goncalves-cafe.pt", "PT"),
    ("Zoë Papadakis", "zoe@papadakis-olive.gr", "GR"), ("Björk Einarsdóttir", "bjork@einars-wool.is", "IS"),
    ("Daniel Cohen", "daniel@cohen-fintech.il", "IL"), ("Priyanka Iyer", "priyanka@iyer-textiles.in", "IN"),
    ("Rahul Mehta", "rahul@mehta-spices.in", "IN"), ("Nguyễn Thị Lan", "lan.nguyen@hanoi-crafts.vn", "VN"),
    ("Emily Carter", "emily@carter-bakery.com", "US"), ("Michael O'Connor", "michael@oconnor-surf.ie", "IE"),
    ("Sarah Thompson", "sarah@thompson-books.co.uk", "GB"), ("David Kim", "david@kim-robotics.com", "US"),
    ("Ruth Alemu", "ruth@alemu-coffee.et", "ET"), ("Dawit Tesfaye", "dawit@tesfaye-leather.et", "ET"),
]

# Plans: amounts are decimal strings in major units, periods in KuvarPay's BillingInterval
# spelling (MONTHLY, YEARLY, WEEKLY).
def prices(ngn, usd, ghs=None, kes=None, weekly_ngn=None):
    out = [{"currency": "NGN", "period": "MONTHLY", "amount": ngn[0]},
           {"currency": "NGN", "period": "YEARLY", "amount": ngn[1]},
           {"currency": "USD", "period": "MONTHLY", "amount": usd[0]},
           {"currency": "USD", "period": "YEARLY", "amount": usd[1]}]
    if ghs:
        out += [{"currency": "GHS", "period": "MONTHLY", "amount": ghs[0]},
                {"currency": "GHS", "period": "YEARLY", "amount": ghs[1]}]
    if kes:
        out += [{"currency": "KES", "period": "MONTHLY", "amount": kes[0]},
                {"currency": "KES", "period": "YEARLY", "amount": kes[1]}]
    if weekly_ngn:
        out.append({"currency": "NGN", "period": "WEEKLY", "amount": weekly_ngn})
    return out

plans = [
    {"id": "basic", "name": "Basic", "product": "harmattan",
     "description": "One site, shared hosting, daily backups.",
     "prices": prices(("7500.00", "75000.00"), ("9.00", "90.00"), ("120.00", "1200.00"), ("1200.00", "12000.00"),
                      weekly_ngn="2000.00"), "grants": []},
    {"id": "pro", "name": "Pro", "product": "harmattan", "trial_days": 14,
     "description": "Five sites, staging, priority e-mail support.",
     "prices": prices(("25000.00", "250000.00"), ("29.00", "290.00"), ("380.00", "3800.00"), ("3900.00", "39000.00")),
     "grants": []},
    {"id": "business", "name": "Business", "product": "harmattan",
     "description": "Unlimited sites, dedicated IP, phone support.",
     "prices": prices(("60000.00", "600000.00"), ("79.00", "790.00"), None, ("10500.00", "105000.00")), "grants": []},
    {"id": "scale", "name": "Scale", "product": "harmattan",
     "description": "Dedicated servers and a named engineer.",
     "prices": prices(("150000.00", "1500000.00"), ("199.00", "1990.00")), "grants": []},
    {"id": "market-day", "name": "Market Day", "product": "harmattan",
     "description": "A pop-up shop for one week at a time.",
     "prices": [{"currency": "NGN", "period": "WEEKLY", "amount": "3500.00"},
                {"currency": "NGN", "period": "MONTHLY", "amount": "12000.00"},
                {"currency": "NGN", "period": "YEARLY", "amount": "120000.00"},
                {"currency": "GHS", "period": "MONTHLY", "amount": "150.00"},
                {"currency": "GHS", "period": "YEARLY", "amount": "1500.00"}],
     "grants": []},
]
plan_by_id = {p["id"]: p for p in plans}

def slug(email):
    return "kp_" + email.split("@")[0].replace(".", "_").replace("-", "_")

customers = []
for name, email, country in people:
    customers.append({"id": slug(email), "name": name, "email": email, "country": country,
                      "created_days_ago": random.randint(10, 700)})
assert len({c["id"] for c in customers}) == len(customers)

currency_for = {"NG": "NGN", "GH": "GHS", "KE": "KES"}
statuses = ["active"] * 10 + ["trialing"] * 2 + ["past_due"] * 2 + ["canceled", "incomplete", "unpaid",
                                                                  "incomplete_expired"]
subscriptions = []
for i, c in enumerate(customers):
    currency = currency_for.get(c["country"], "USD")
    options = [(p["id"], pr["period"]) for p in plans for pr in p["prices"] if pr["currency"] == currency]
    plan, period = random.choice(options)
    status = random.choice(statuses)
    if status == "trialing" and plan != "pro":
        # Only Pro has a trial.
        plan, period = "pro", ("YEARLY" if period == "YEARLY" else "MONTHLY")
    if plan == "pro" and status == "active" and i % 3 == 0:
        status = "trialing"
    started = random.randint(3, min(c["created_days_ago"], 600))
    if status == "trialing":
        started = random.randint(1, 12)  # inside Pro's 14-day trial
    sub = {"customer": c["id"], "plan": plan, "period": period, "currency": currency, "status": status,
           "started_days_ago": started}
    if status == "active" and i % 8 == 5:
        sub["cancel_at_period_end"] = True
    if status in ("active", "past_due", "unpaid") and i % 3 != 1:
        # Processed transactions this period, from a handful to very busy shops.
        sub["usage"] = {"transactions": random.choice([3, 40, 250, 1200, 5600, 18000, 75000])}
    subscriptions.append(sub)

# UNPAID is rare but real: two shops whose renewals failed for good.
for idx in (20, 41):
    subscriptions[idx]["status"] = "unpaid"
    subscriptions[idx].pop("cancel_at_period_end", None)

# Customers who came back: an old canceled subscription and a live one (same e-mail: the
# console must list them once).
for idx, (plan, period) in [(0, ("pro", "MONTHLY")), (4, ("business", "YEARLY")), (6, ("basic", "MONTHLY"))]:
    c = customers[idx]
    currency = currency_for.get(c["country"], "USD")
    subscriptions.append({"customer": c["id"], "plan": plan, "period": period, "currency": currency,
                          "status": "canceled", "started_days_ago": c["created_days_ago"]})

# Make the first three customers predictable for the tests: live, non-trial, renewing.
for idx, plan, period in [(0, "business", "MONTHLY"), (1, "pro", "MONTHLY"), (2, "pro", "MONTHLY")]:
    s = subscriptions[idx]
    s.update({"plan": plan, "period": period, "status": "active", "started_days_ago": 20})
    s.pop("cancel_at_period_end", None)
    s["usage"] = {"transactions": [1200, 40, 5600][idx]}

seed = {
    "products": [{"id": "harmattan", "name": "Harmattan Cloud"}],
    "features": [{"id": "transactions", "name": "Processed transactions", "type": "meter", "unit": "transaction"}],
    "plans": plans,
    "customers": customers,
    "subscriptions": subscriptions,
}
for s in subscriptions:
    p = plan_by_id[s["plan"]]
    assert any(pr["period"] == s["period"] and pr["currency"] == s["currency"] for pr in p["prices"]), s

path = os.path.join(os.path.dirname(__file__), "..", "assets", "sandbox", "kuvarpay.json")
with open(path, "w") as f:
    json.dump(seed, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(customers), "customers,", len(subscriptions), "subscriptions")
print(Counter(s["status"] for s in subscriptions))
print(Counter(s["currency"] for s in subscriptions))
