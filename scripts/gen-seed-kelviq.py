import json, random
random.seed(7)
people = [
 ("Jürgen Müller","j.mueller@mueller-maschinenbau.de","DE"),("Łukasz Wiśniewski","lukasz@wisniewski.pl","PL"),("山田 太郎","taro.yamada@yamada-shoji.jp","JP"),
 ("Sofía Hernández","sofia@hernandez-studio.mx","MX"),("Chloé Lefèvre","chloe.lefevre@atelier-lumiere.fr","FR"),("Björn Andersson","bjorn@nordljus.se","SE"),
 ("Priya Raghunathan","priya@raghunathan.in","IN"),("Kwame Mensah","kwame@accrafresh.gh","GH"),("Olivia Bennett","olivia@bennettandco.co.uk","GB"),
 ("Noah Fischer","noah.fischer@fischer-it.ch","CH"),("Amara Okafor","amara@okafor.ng","NG"),("Mateo Rossi","mateo@rossi-design.it","IT"),
 ("Zoë van der Berg","zoe@vdberg.nl","NL"),("Søren Kierkegaard","soren@filosofi.dk","DK"),("Inés Fernández","ines@fernandez-abogados.es","ES"),
 ("Ayşe Yılmaz","ayse@yilmaz-tekstil.com.tr","TR"),("Małgorzata Nowak","m.nowak@nowak-biuro.pl","PL"),("Zoltán Horváth","zoltan@horvath.hu","HU"),
 ("Nguyễn Văn An","an.nguyen@saigonsoft.vn","VN"),("김민준","minjun.kim@hanbit.kr","KR"),("Liam O'Brien","liam@obrien-consulting.ie","IE"),
 ("Emma Schäfer","emma.schaefer@schaefer-bau.at","AT"),("Dmitri Ivanov","dmitri@ivanov-labs.example","CY"),("Fatima Al-Sayed","fatima@alsayed.ae","AE"),
 ("Chen Wei","chen.wei@lotusbyte.cn","CN"),("Aiko Tanaka","aiko.tanaka@sakura-design.jp","JP"),("Lucas Silva","lucas@silva-tech.com.br","BR"),
 ("Léa Moreau","lea.moreau@moreau-vins.fr","FR"),("Henrik Jensen","henrik@jensen-cykler.dk","DK"),("Astrid Lindqvist","astrid@lindqvist.se","SE"),
 ("Ravi Sharma","ravi@sharma-analytics.in","IN"),("Ananya Patel","ananya@patelfoods.in","IN"),("Carlos García","carlos@garcia-logistica.es","ES"),
 ("Lucía Costa","lucia@costa-imoveis.pt","PT"),("Tomás Novák","tomas@novak-sro.cz","CZ"),("Eszter Kovács","eszter@kovacs.hu","HU"),
 ("Matteo Bianchi","matteo@bianchi-moto.it","IT"),("Chiara Romano","chiara@romano-food.it","IT"),("Emre Şahin","emre@sahin-yazilim.com.tr","TR"),
 ("Mei Lin","mei.lin@harbourline.sg","SG"),("Arjun Nair","arjun@nair-consulting.in","IN"),("Hana Suzuki","hana@suzuki-kobo.jp","JP"),
 ("Ingrid Halvorsen","ingrid@fjordtech.no","NO"),("François Dubois","francois@dubois-avocats.fr","FR"),("Dávid Szabó","david@szabo.hu","HU"),
 ("Olga Petrova","olga@petrova-translations.example","EE"),("Kofi Boateng","kofi@boateng-farms.gh","GH"),("Grace Wanjiru","grace@nairobi-bytes.ke","KE"),
 ("Jack Thompson","jack@thompson-surf.com.au","AU"),("Charlotte Martin","charlotte@martinbakery.ca","CA"),("William Smith","will@smithhardware.com","US"),
 ("Ava Johnson","ava@johnson-law.com","US"),("Ethan Brown","ethan@brown-robotics.com","US"),("Mia Davis","mia@davis-dental.com","US"),
 ("Benjamin Wilson","ben@wilson-coffee.com","US"),("Isabella Garcia","isabella@garcia-events.com","US"),("James Miller","james@millerbrewing.com","US"),
 ("Sophia Anderson","sophia@andersonyoga.com","US"),("Đorđe Đorđević","djordje@djordjevic.rs","RS"),("Nikolaj Østergaard","nikolaj@ostergaard.dk","DK"),
 ("Ángel Domínguez","angel@dominguez.cl","CL"),("Eleni Papadopoulou","eleni@papadopoulou.gr","GR"),("Hamid Rahimi","hamid@rahimi-rugs.example","DE"),
 ("Yara Haddad","yara@haddad-studio.lb","LB"),("Takeshi Kobayashi","takeshi@kobayashi-works.jp","JP"),("Sakura Watanabe","sakura@watanabe-tea.jp","JP"),
]
def slug(email):
    local, dom = email.split("@")
    return "cus_" + dom.split(".")[0].replace("-", "_")
customers=[]
seen=set()
for i,(n,e,c) in enumerate(people):
    cid=slug(e)
    while cid in seen: cid+="_2"
    seen.add(cid)
    customers.append({"id":cid,"name":n,"email":e,"country":c,"created_days_ago":random.randint(20,900)})
seed={
 "products":[{"id":"lumen","name":"Lumen Analytics"}],
 "features":[
   {"id":"api-calls","name":"API calls","type":"meter","unit":"call"},
   {"id":"events","name":"Tracked events","type":"meter","unit":"event"},
   {"id":"seats","name":"Seats","type":"customizable"},
   {"id":"dashboards","name":"Dashboards","type":"customizable"},
   {"id":"sso","name":"Single sign-on (SAML)","type":"boolean"},
   {"id":"audit-log","name":"Audit log","type":"boolean"},
   {"id":"priority-support","name":"Priority support","type":"boolean"}],
 "plans":[
  {"id":"free","name":"Free","product":"lumen","description":"For side projects: one seat, basic dashboards.","prices":[{"currency":"USD","period":"ONE_TIME","amount":"0.00"}],
   "grants":[{"feature":"api-calls","value":1000,"hard_limit":True},{"feature":"events","value":10000,"hard_limit":True},{"feature":"seats","value":1},{"feature":"dashboards","value":3},{"feature":"sso","value":False},{"feature":"audit-log","value":False},{"feature":"priority-support","value":False}]},
  {"id":"starter","name":"Starter","product":"lumen","description":"Small teams getting started with product analytics.","trial_days":14,
   "prices":[{"currency":"USD","period":"MONTHLY","amount":"19.00"},{"currency":"USD","period":"YEARLY","amount":"190.00"},{"currency":"EUR","period":"MONTHLY","amount":"18.00"},{"currency":"EUR","period":"YEARLY","amount":"180.00"},{"currency":"JPY","period":"MONTHLY","amount":"2900"},{"currency":"JPY","period":"YEARLY","amount":"29000"}],
   "grants":[{"feature":"api-calls","value":50000,"hard_limit":True},{"feature":"events","value":250000,"hard_limit":False},{"feature":"seats","value":3},{"feature":"dashboards","value":10},{"feature":"sso","value":False},{"feature":"audit-log","value":False},{"feature":"priority-support","value":False}]},
  {"id":"growth","name":"Growth","product":"lumen","description":"Growing teams: more seats, more events, audit log.",
   "prices":[{"currency":"USD","period":"MONTHLY","amount":"79.00"},{"currency":"USD","period":"THREE_MONTHS","amount":"225.00"},{"currency":"USD","period":"YEARLY","amount":"790.00"},{"currency":"EUR","period":"MONTHLY","amount":"75.00"},{"currency":"EUR","period":"YEARLY","amount":"750.00"},{"currency":"GBP","period":"MONTHLY","amount":"65.00"},{"currency":"GBP","period":"YEARLY","amount":"650.00"},{"currency":"JPY","period":"MONTHLY","amount":"11800"}],
   "grants":[{"feature":"api-calls","value":500000,"hard_limit":True},{"feature":"events","value":2000000,"hard_limit":False},{"feature":"seats","value":10},{"feature":"dashboards","value":50},{"feature":"sso","value":False},{"feature":"audit-log","value":True},{"feature":"priority-support","value":False}]},
  {"id":"business","name":"Business","product":"lumen","description":"SSO, audit log and priority support for larger organisations.",
   "prices":[{"currency":"USD","period":"MONTHLY","amount":"249.00"},{"currency":"USD","period":"THREE_MONTHS","amount":"699.00"},{"currency":"USD","period":"YEARLY","amount":"2490.00"},{"currency":"EUR","period":"MONTHLY","amount":"239.00"},{"currency":"EUR","period":"YEARLY","amount":"2390.00"},{"currency":"GBP","period":"MONTHLY","amount":"209.00"},{"currency":"KWD","period":"MONTHLY","amount":"76.500"}],
   "grants":[{"feature":"api-calls","value":5000000,"hard_limit":False},{"feature":"events","value":20000000,"hard_limit":False},{"feature":"seats","value":50},{"feature":"dashboards","value":500},{"feature":"sso","value":True},{"feature":"audit-log","value":True},{"feature":"priority-support","value":True}]},
  {"id":"enterprise","name":"Enterprise","product":"lumen","description":"Unlimited dashboards, dedicated support, yearly contract.",
   "prices":[{"currency":"USD","period":"YEARLY","amount":"12000.00"},{"currency":"EUR","period":"YEARLY","amount":"11500.00"}],
   "grants":[{"feature":"api-calls","value":50000000,"hard_limit":False},{"feature":"events","value":500000000,"hard_limit":False},{"feature":"seats","value":250},{"feature":"dashboards","value":10000},{"feature":"sso","value":True},{"feature":"audit-log","value":True},{"feature":"priority-support","value":True}]},
 ],
 "customers":customers,
 "subscriptions":[]}
currency_for={"DE":"EUR","FR":"EUR","IT":"EUR","ES":"EUR","NL":"EUR","AT":"EUR","IE":"EUR","PT":"EUR","GR":"EUR","EE":"EUR","CY":"EUR","JP":"JPY","GB":"GBP","KW":"KWD"}
plans={p["id"]:p for p in seed["plans"]}
statuses=["active"]*10+["trialing","past_due","canceled","incomplete"]
for i,c in enumerate(customers):
    if i % 7 == 6: continue  # some customers have no subscription
    cur=currency_for.get(c["country"],"USD")
    options=[(p["id"],pr["period"]) for p in seed["plans"] for pr in p["prices"] if pr["currency"]==cur and p["id"]!="free"]
    if i % 11 == 3: options=[("free","ONE_TIME")]; cur="USD"
    plan,period=random.choice(options)
    st="active" if plan=="free" else random.choice(statuses)
    if plan!="free" and plan!="starter" and st=="trialing": st="active"
    if plan=="starter" and st=="active" and i%3==0: st="trialing"
    usage={}
    for g in plans[plan]["grants"]:
        f=g["feature"]
        if f in ("api-calls","events"):
            frac=random.choice([0.05,0.2,0.45,0.7,0.88,0.97,1.0,0.01])
            usage[f]=int(g["value"]*frac)
    sub={"customer":c["id"],"plan":plan,"period":period,"currency":cur,"status":st,"started_days_ago":random.randint(3,500),"usage":usage}
    if st=="active" and i%9==4: sub["cancel_at_period_end"]=True
    if plan in ("growth","business") and i%4==0: sub["quantities"]={"seats":plans[plan]["grants"][2]["value"]+random.randint(1,8)}
    seed["subscriptions"].append(sub)
# one customer with two live subscriptions (duplicate entitlement rows, as Kelviq returns them)
seed["subscriptions"].append({"customer":customers[0]["id"],"plan":"starter","period":"MONTHLY","currency":"EUR","status":"active","started_days_ago":40,"usage":{"api-calls":12000,"events":1000}})
import os
json.dump(seed,open(os.path.join(os.path.dirname(__file__),"..","assets","sandbox","kelviq.json"),"w"),ensure_ascii=False,indent=1)
print(len(customers), len(seed["subscriptions"]))
from collections import Counter
print(Counter(s["status"] for s in seed["subscriptions"]))
