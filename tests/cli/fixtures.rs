//! Fixtures written for these tests: a small rule set and a small export that
//! exercise every kind of test, cap and stage.

pub const RULES: &str = r#"
[input]
id = "Lead ID"
created = "Created"
account = "Company"

[scoring]
max_fit = 40
max_engagement = 50

[[criteria]]
name = "senior"
column = "Title"
contains_any = ["head of", "director", "chief", "ceo"]
points = 15

[[criteria]]
name = "buyer"
column = "Title"
starts_with_any = ["purchasing"]
points = 10

[[criteria]]
name = "student"
column = "Title"
equals = "student"
points = -20

[[criteria]]
name = "industry"
column = "Industry"
in = ["logistics", "aerospace"]
points = 10

[[criteria]]
name = "size"
column = "Employees"
gte = 100
lt = 5000
points = 7.5

[[criteria]]
name = "free mail"
column = "Email"
ends_with_any = ["@gmail.com"]
points = -10

[[criteria]]
name = "views"
group = "engagement"
column = "Views"
per = 5
points = 3
max = 12

[[criteria]]
name = "contact"
group = "engagement"
column = "Contact"
equals = "yes"
points = 15

[[criteria]]
name = "recent"
group = "engagement"
column = "Last Activity"
within_days = 14
points = 10

[[criteria]]
name = "stale"
group = "engagement"
column = "Last Activity"
older_than_days = 60
points = -5.25

[[criteria]]
name = "competitor"
column = "Email"
ends_with_any = ["@rival.example"]
disqualify = true

[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 25
[[stages]]
name = "sql"
min_score = 45
require = ["contact"]

[[teams]]
name = "product"
stages = ["sql"]
when = [{ column = "Interest", equals = "product" }]
overflow = "inside"

[[teams]]
name = "inside"
stages = ["mql", "sql"]

[[reps]]
name = "Brent"
team = "product"
capacity = 2
prefer = [{ column = "Industry", in = ["aerospace"] }]

[[reps]]
name = "Liisa"
team = "product"
capacity = 2
require = [{ column = "Country", in = ["FI", "SE"] }]

[[reps]]
name = "Sanna"
team = "inside"
weight = 2

[[reps]]
name = "Olli"
team = "inside"
"#;

pub const HEADER: &str =
    "Lead ID,Company,Title,Industry,Country,Employees,Email,Views,Contact,Interest,Last Activity,Created";

pub const LEADS: &str = "\
Lead ID,Company,Title,Industry,Country,Employees,Email,Views,Contact,Interest,Last Activity,Created
A1,Posti,Head of Logistics,Logistics,FI,1200,a1@posti.example,14,yes,Product,2026-10-28,2026-01-10
A2,Nordic Aero,  PURCHASING MANAGER ,Aerospace,SE,340,a2@aero.example,3,yes,Product,2026-10-02,2025-12-01
A3,,Student,Education,FI,,a3@gmail.com,40,,,2026-09-01,2026-03-03
A4,Rival,CEO,Logistics,FI,80,a4@rival.example,22,yes,Product,2026-10-31,2026-02-02
A5,Kone,Operations Director,manufacturing,NO,n/a,a5@kone.example,7,no,Consulting,2026-10-20,2026-01-10
A6,Valmet,Analyst,Manufacturing,DE,45,a6@valmet.example,0,no,,,2026-04-04
A7,Metso,Director,Aerospace,FI,5000,a7@metso.example,9,yes,Product,yesterday,2026-01-09
A8,Posti,Chief Engineer,Logistics,SE,1200,a8@posti.example,60,yes,Product,2026-10-30,2026-01-11
";

/// One team of three equal reps, one criterion (`views`, a point each) and
/// one stage: the rules of the ledger tests, where only the rotation matters.
pub const THREE_REPS: &str = r#"
[input]
id = "id"
account = "company"

[[criteria]]
name = "views"
column = "views"
per = 1
points = 1

[[stages]]
name = "lead"

[[teams]]
name = "sales"
stages = ["lead"]

[[reps]]
name = "A"
team = "sales"
[[reps]]
name = "B"
team = "sales"
[[reps]]
name = "C"
team = "sales"
"#;
