#!/usr/bin/python3
"""gen-directory.py - a synthetic directory for the ResolveNames benchmark.

    gen-directory.py --users 100000 --domain example.test --out tenant.json
                     [--queries queries.tsv] [--contacts 100] [--password PW]

Writes a tenant file for `ewsemu import` (README "Tenant file") with N users
and a list of ResolveNames queries for that directory (tests/bench/resolve.sh
sends them).  Standard library only; run with /usr/bin/python3.

Deterministic: the same options give the same bytes.  Names are drawn from
fixed lists of given names and surnames (several hundred of each, a few with
Latin-1 letters, apostrophes and hyphens) with a long-tailed, Zipf-like
weighting by list position, so names repeat the way they do in a real
directory: at 100,000 users the most common surname is worn by ~1,500 people
and the most common full name by ~20, while most full names are unique.
User i of a 100-user file is user i of a 100,000-user file, so the small
directory is the beginning of the large one.

Users carry only email, display_name, given_name and surname (compact JSON:
100,000 users stay well under the 16 MiB import limit; the script refuses to
write a bigger file).  The address is given.surname@domain with a numeric
suffix only when that address is taken.  Only users[0] (the benchmark login)
has a password; it also gets --contacts personal contacts (names from the
same lists, external addresses), and users[1..4] get three contacts each.

Queries (tab separated, one per line, '#' comments):
    kind  scope  full  expect_n  expect_class  expect_last  entry
kind: fullname | surname | given | prefix | unknown | address;
scope: ActiveDirectory or "default" (attribute absent = ActiveDirectoryContacts);
full: ReturnFullContactData (0/1); expect_n: number of t:Resolution elements
(TotalItemsInView); expect_class: Success | Warning | Error; expect_last:
IncludesLastItemInRange (true/false, "-" when there is no ResolutionSet).
The expectations come from a model of the matching rules (core/names.h):
an entry matches a record when one of its tokens starts with the normalised
entry; at most 100 resolutions; an exact primary address wins.

stdout: one line per fact ("login ADDRESS PASSWORD", "users N", ...).
"""
import argparse
import bisect
import json
import os
import sys
import unicodedata

IMPORT_MAX = 16 << 20      # ADMIN_IMPORT_MAX_FILE
RESOLVE_MAX = 100          # OP_RESOLVE_MAX

# Roughly by frequency, most common first (the weighting follows list order).
GIVEN = """
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard
Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty
Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua
Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald
Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy
Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole
Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine Alexander Debra Frank Rachel
Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth
Jose Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren
Kyle Christina Ethan Joan Walter Evelyn Noah Judith Jeremy Megan Christian Andrea Keith Cheryl
Roger Hannah Terry Jacqueline Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara
Arthur Madison Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice
Joe Judy Bruce Sophia Gabriel Grace Logan Denise Albert Amber Willie Doris Alan Marilyn Juan
Danielle Wayne Beverly Elijah Isabella Randy Theresa Roy Diana Vincent Natalie Ralph Brittany
Eugene Charlotte Russell Marie Bobby Kayla Mason Alexis Philip Lori Louis Alex Priya Wei Raj
Mei Arjun Yuki Hiroshi Fatima Omar Aisha Ahmed Ines Lucas Chloé Hugo Léa Louise Jules Noémie
Zoë René Renée José Jürgen Björn Søren Åsa Ingrid Lars Sven Astrid Mateo Sofía Camila Valentina
Diego Santiago Lucía Martín Tomás Joaquín François Hélène Céline Amélie Gaël Anaïs Niamh Siobhan
Seán Aoife Ciarán Oisín Dmitri Olga Ivan Natasha Sergei Katya Kwame Amara Chidi Ngozi Thanh Linh
Minh Jin Hyun Seo Ravi Anita Sunil Deepa Vikram Kavya Ali Yusuf Layla Mariam Nora Elin Freya
""".split()

SURNAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans
Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez
Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks
Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers
Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson
Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds
Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens
Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells
Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon
Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd
Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens
Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen
Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley
Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Peña Richards Contreras
Willis Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins Greene
Núñez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin Carlson Austin
Dominguez Carr Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey
Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller
Wang Weber Welch Rojas Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman
Schultz Luna Fowler Mejia Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis
Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Ávila Wade Molina Stanley Hopkins
Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers
Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran
Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker Terry Hale Leon Hail
Müller Schröder Köhler Schäfer Jäger Großmann Björklund Lindström Öberg Åkesson Nørgaard Sørensen
Dubois Lefèvre Fontaine Girard Bélanger Côté Gagnon Lévesque Ó'Briain Mac-Giolla Smith-Jones
Van-der-Berg Müller-Lüdenscheidt Kowalski Nowak Wiśniewski Novák Horváth Nagy Popescu Ivanova
Petrov Sokolov Kuznetsov Yilmaz Kaya Demir Haddad Khalil Nasser Mansour Rahman Hossain Sharma
Gupta Kumar Iyer Reddy Nair Menon Das Bose Chowdhury Tanaka Suzuki Takahashi Watanabe Sato Ito
Nakamura Kobayashi Zhang Liu Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao Luo Pham Hoang
Phan Vu Dang Bui Do Ngo Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song
Okafor Adeyemi Mensah Owusu Boateng Diallo Traoré Keita Mwangi Otieno Kamau Achieng Nkosi Dlamini
""".split()

LOGIN_PASSWORD = "Bench-Passw0rd!"

CONTACT_DOMAINS = ["partner.test", "supplier.test", "customer.test", "gmail.test", "outlook.test"]

UNKNOWN = ["Qwzxv", "Xylophonist Quux", "foo\\bar"]


# ---- deterministic choice ---------------------------------------------------------

class SplitMix64:
    """Small, fixed PRNG so the output never depends on the Python version."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)


class Weighted:
    """Pick list entries with weight ~ 1/(rank + OFFSET) (long tail)."""
    OFFSET = 20

    def __init__(self, items):
        self.items = items
        self.cum = []
        total = 0
        for r in range(len(items)):
            total += 10**9 // (r + self.OFFSET)
            self.cum.append(total)
        self.total = total

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.next() % self.total)]


# ---- the matching model (core/names.c) ------------------------------------------

def normalize(s):
    """names_normalize: trim, collapse white space, lower-case A-Z and U+00C0..U+00DE."""
    out = []
    for ch in " ".join(s.split()):
        if "A" <= ch <= "Z" or ("\u00c0" <= ch <= "\u00de" and ch != "\u00d7"):
            ch = ch.lower()
        out.append(ch)
    return "".join(out)


BREAKS = set(' \t\r\n\f\v,;()"<>[]')


def field_tokens(value):
    n = normalize(value)
    if not n:
        return []
    toks = [n]
    words, cur = [], []
    for ch in n:
        if ch in BREAKS:
            if cur:
                words.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    if len(words) > 1:
        toks += words
    return toks


def tokens(display, given, surname, others):
    toks = []
    for f in [display, given, surname] + list(others):
        toks += field_tokens(f or "")
    g, s = normalize(given or ""), normalize(surname or "")
    if g and s:
        toks += [f"{g} {s}", f"{s} {g}", f"{s}, {g}"]
    return set(toks)


class Index:
    """Sorted (token, owner) pairs: how many owners have a token starting with q."""

    def __init__(self):
        self.pairs = []

    def add(self, owner, toks):
        self.pairs.extend((t, owner) for t in toks)

    def freeze(self):
        self.pairs.sort()
        self.keys = [t for t, _ in self.pairs]

    def count(self, entry, limit=RESOLVE_MAX + 1):
        q = normalize(entry)
        if not q:
            return 0
        seen = set()
        for i in range(bisect.bisect_left(self.keys, q), len(self.keys)):
            if not self.keys[i].startswith(q):
                break
            seen.add(self.pairs[i][1])
            if len(seen) >= limit:
                break
        return len(seen)


# ---- the directory ----------------------------------------------------------------

def ascii_part(s):
    """Address-safe ASCII of a name: accents dropped, only letters and digits."""
    s = s.replace("ø", "o").replace("Ø", "O").replace("ß", "ss").replace("ł", "l")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isascii() and c.isalnum()).lower()


def build(args):
    rng = SplitMix64(0x5EED_2024_0003)
    given_w, surname_w = Weighted(GIVEN), Weighted(SURNAMES)
    taken = {}
    users = []
    for _ in range(args.users):
        g, s = given_w.pick(rng), surname_w.pick(rng)
        base = f"{ascii_part(g)}.{ascii_part(s)}"
        n = taken.get(base, 0) + 1
        taken[base] = n
        local = base if n == 1 else f"{base}{n}"
        users.append({"email": f"{local}@{args.domain}", "display_name": f"{g} {s}",
                      "given_name": g, "surname": s})
    if users:
        users[0]["password"] = args.password

    crng = SplitMix64(0xC0_47AC_7500)

    def contacts(count, owner):
        out = []
        for k in range(count):
            g, s = given_w.pick(crng), surname_w.pick(crng)
            dom = CONTACT_DOMAINS[k % len(CONTACT_DOMAINS)]
            out.append({"display_name": f"{g} {s}", "given_name": g, "surname": s,
                        "email": f"{ascii_part(g)}.{ascii_part(s)}.{owner}{k}@{dom}"})
        return out

    if users and args.contacts > 0:
        users[0]["contacts"] = contacts(args.contacts, 0)
    for i in range(1, min(5, len(users))):
        users[i]["contacts"] = contacts(3, i)
    return users


# ---- the queries --------------------------------------------------------------------

def make_queries(users, directory, contacts):
    """The benchmark mix, built the same way for every directory size."""
    n = len(users)
    primaries = {u["email"].lower() for u in users}

    def expect(entry, scope):
        text = entry[5:] if entry.lower().startswith("smtp:") else entry
        if "@" in text and text.lower() in primaries:
            return 1, "Success", "true"            # an exact address wins
        d = directory.count(entry) if not entry.lower().startswith("smtp:") else 0
        c = contacts.count(entry) if scope == "default" else 0
        dn, cn = min(d, RESOLVE_MAX), min(c, RESOLVE_MAX)
        total = min(dn + cn, RESOLVE_MAX)
        last = d <= RESOLVE_MAX and c <= RESOLVE_MAX and dn + cn <= RESOLVE_MAX
        if total == 0:
            return 0, "Error", "-"
        cls = "Success" if total == 1 and last else "Warning"
        return total, cls, "true" if last else "false"

    # users spread over the directory (never the login user, index 0)
    spread = sorted({min(n - 1, max(1, (k * n) // 8 + 1)) for k in range(8)}) if n > 1 else []
    q = []

    def add(kind, scope, full, entry):
        en, cls, last = expect(entry, scope)
        q.append((kind, scope, full, en, cls, last, entry))

    # full display names that resolve to exactly one person (scan forward from each spread point)
    picked = set()
    for k, start in enumerate(spread[:6]):
        for i in list(range(start, n)) + list(range(1, start)):
            name = users[i]["display_name"]
            if name in picked:
                continue
            scope = "ActiveDirectory" if k % 2 == 0 else "default"
            if expect(name, scope)[0] == 1:
                picked.add(name)
                add("fullname", scope, 1 if k == 5 else 0, name)
                break
    # surnames and given names of people in the directory (common names come up most)
    for k, i in enumerate(spread[:4]):
        add("surname", "ActiveDirectory" if k % 2 == 0 else "default", 0, users[i]["surname"])
    for k, i in enumerate(spread[4:8]):
        add("given", "default" if k % 2 == 0 else "ActiveDirectory", 0, users[i]["given_name"])
    # 2-3 letter prefixes, as typed into an address box
    for k, i in enumerate(spread[:4]):
        src = users[i]["given_name"] if k % 2 == 0 else users[i]["surname"]
        add("prefix", "default" if k < 2 else "ActiveDirectory", 0, src[:2 + k % 2])
    for k, entry in enumerate(UNKNOWN):
        add("unknown", "default" if k % 2 == 0 else "ActiveDirectory", 0, entry)
    for k, i in enumerate(spread[-2:]):
        addr = users[i]["email"]
        add("address", "default" if k == 0 else "ActiveDirectory", 0,
            addr if k == 0 else "smtp:" + addr)
    return q


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100, help="number of users (default 100)")
    ap.add_argument("--domain", default="example.test", help="mail domain (default example.test)")
    ap.add_argument("--out", required=True, help="tenant JSON file to write")
    ap.add_argument("--queries", help="query list to write (default: OUT without .json + .queries.tsv)")
    ap.add_argument("--contacts", type=int, default=100,
                    help="personal contacts of the login user (default 100)")
    ap.add_argument("--password", default=LOGIN_PASSWORD, help="the login user's password")
    args = ap.parse_args()
    if args.users < 1:
        ap.error("--users must be at least 1")
    if args.queries is None:
        stem = args.out[:-5] if args.out.endswith(".json") else args.out
        args.queries = stem + ".queries.tsv"

    users = build(args)
    doc = json.dumps({"domain": args.domain, "users": users}, ensure_ascii=False,
                     separators=(",", ":")).encode("utf-8")
    if len(doc) > IMPORT_MAX:
        sys.exit(f"gen-directory: {len(doc)} bytes is over the {IMPORT_MAX}-byte import limit")

    directory, contacts = Index(), Index()
    for i, u in enumerate(users):
        directory.add(i, tokens(u["display_name"], u["given_name"], u["surname"], [u["email"]]))
    for j, c in enumerate(users[0].get("contacts", [])):
        contacts.add(j, tokens(c["display_name"], c["given_name"], c["surname"], [c["email"]]))
    directory.freeze()
    contacts.freeze()
    queries = make_queries(users, directory, contacts)

    with open(args.out, "wb") as f:
        f.write(doc)
    with open(args.queries, "w", encoding="utf-8") as f:
        f.write("# kind\tscope\tfull\texpect_n\texpect_class\texpect_last\tentry\n")
        for row in queries:
            f.write("\t".join(str(x) for x in row) + "\n")

    surnames = {}
    for u in users:
        surnames[u["surname"]] = surnames.get(u["surname"], 0) + 1
    top = max(surnames.items(), key=lambda kv: kv[1])
    print(f"login {users[0]['email']} {args.password}")
    print(f"users {len(users)}")
    print(f"contacts {sum(len(u.get('contacts', [])) for u in users)}")
    print(f"distinct_display_names {len({u['display_name'] for u in users})}")
    print(f"top_surname {top[0]} {top[1]}")
    print(f"bytes {len(doc)}")
    print(f"tenant {os.path.abspath(args.out)}")
    print(f"queries {os.path.abspath(args.queries)}")
    for row in queries:
        print("query " + "\t".join(str(x) for x in row))


if __name__ == "__main__":
    main()
