#[test]
fn go_times_print_as_go_prints_them() {
    let mut doc = json!({"Created": "2024-05-01T10:00:00.500Z", "State": {"StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "2024-05-01T12:00:00+02:00"}});
    mark_times(
        &mut doc,
        &[
            &["Created"],
            &["State", "StartedAt"],
            &["State", "FinishedAt"],
            &["Nope"],
        ],
    );
    let t = Template::parse(
        "{{.Created}}|{{.State.StartedAt}}|{{.State.FinishedAt}}|{{json .Created}}|{{.Created.Unix}}|{{.State.StartedAt.Unix}}|{{printf \"%T\" .Created}}",
    )
    .unwrap();
    assert_eq!(
        t.render(&doc).unwrap(),
        "2024-05-01 10:00:00.5 +0000 UTC|0001-01-01 00:00:00 +0000 UTC|2024-05-01 12:00:00 +0200 +0200|\"2024-05-01T10:00:00.500Z\"|1714557600|-62135596800|time.Time\n"
    );
    let bad = Template::parse("{{.Created.Year}}").unwrap();
    assert!(bad.render(&doc).is_err());
}

use super::*;
use serde_json::json;

fn render(tpl: &str, v: Value) -> String {
    Template::parse(tpl)
        .unwrap_or_else(|e| panic!("{e}"))
        .render(&v)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(tpl: &str) -> String {
    Template::parse(tpl).map(|_| ()).expect_err(tpl).to_string()
}

fn render_err(tpl: &str, v: Value) -> String {
    Template::parse(tpl)
        .unwrap_or_else(|e| panic!("{e}"))
        .render(&v)
        .expect_err(tpl)
        .to_string()
}

fn row() -> Value {
    json!({
        "ID": "0123456789ab",
        "Repository": "docker.io/library/alpine",
        "Tag": "3.20",
        "Size": 7_800_000,
        "Ratio": 0.5,
        "Whole": 3.0,
        "Names": ["a", "b"],
        "Labels": {"maintainer": "me", "b": "2"},
        "Empty": "",
        "Zero": 0,
        "Nothing": null,
        "Yes": true,
        "Config": {"Env": ["A=1"], "User": "root"},
    })
}

#[test]
fn fields_text_and_spaces() {
    assert_eq!(render("{{.ID}}", row()), "0123456789ab\n");
    assert_eq!(
        render("id={{ .ID }} tag={{.Tag}}", row()),
        "id=0123456789ab tag=3.20\n"
    );
    assert_eq!(render("{{.Config.User}}", row()), "root\n");
    assert_eq!(render("plain text", row()), "plain text\n");
    assert_eq!(render("ends\n", row()), "ends\n");
}

#[test]
fn escapes_outside_actions_become_tab_and_newline() {
    assert_eq!(
        render(r"{{.Tag}}\t{{.ID}}\n", row()),
        "3.20\t0123456789ab\n"
    );
    assert_eq!(render(r"a\nb", row()), "a\nb\n");
    // Inside an action a Go string escape stays a Go string escape.
    assert_eq!(render(r#"{{printf "x\ty"}}"#, row()), "x\ty\n");
    assert_eq!(render(r#"{{join .Names "\n"}}"#, row()), "a\nb\n");
    assert_eq!(render(r#"{{printf `\t`}}"#, row()), "\\t\n");
}

#[test]
fn values_print_like_go_fmt() {
    assert_eq!(render("{{.Size}}", row()), "7800000\n");
    assert_eq!(render("{{.Ratio}}", row()), "0.5\n");
    assert_eq!(render("{{.Whole}}", row()), "3\n");
    assert_eq!(render("{{.Yes}}", row()), "true\n");
    assert_eq!(render("{{.Nothing}}", row()), "<no value>\n");
    assert_eq!(render("{{.Names}}", row()), "[a b]\n");
    assert_eq!(render("{{.Labels}}", row()), "map[b:2 maintainer:me]\n");
    assert_eq!(
        render("{{.}}", json!({"A": [1, null, {"k": null}]})),
        "map[A:[1 <nil> map[k:<nil>]]]\n"
    );
    assert_eq!(render("{{.F}}", json!({"F": 1.5e-7})), "1.5e-07\n");
    assert_eq!(render("{{.F}}", json!({"F": 1e300})), "1e+300\n");
    assert_eq!(render("{{.F}}", json!({"F": 1234567.5})), "1.2345675e+06\n");
    assert_eq!(render("{{.F}}", json!({"F": 123456.5})), "123456.5\n");
    assert_eq!(render("{{.F}}", json!({"F": -2.25})), "-2.25\n");
}

#[test]
fn json_function() {
    assert_eq!(render("{{json .Names}}", row()), "[\"a\",\"b\"]\n");
    assert_eq!(
        render("{{json .Config}}", row()),
        "{\"Env\":[\"A=1\"],\"User\":\"root\"}\n"
    );
    assert_eq!(
        render("{{json .}}", json!({"A": 1, "B": 2.0, "C": "<&>"})),
        "{\"A\":1,\"B\":2,\"C\":\"<&>\"}\n"
    );
    assert_eq!(render("{{json .Nothing}}", row()), "null\n");
    assert_eq!(render("{{.Names | json}}", row()), "[\"a\",\"b\"]\n");
}

#[test]
fn index_function() {
    assert_eq!(render(r#"{{index .Labels "maintainer"}}"#, row()), "me\n");
    assert_eq!(render(r#"[{{index .Labels "missing"}}]"#, row()), "[]\n");
    assert_eq!(render("{{index .Names 1}}", row()), "b\n");
    assert_eq!(render(r#"{{index . "Config" "Env" 0}}"#, row()), "A=1\n");
    assert_eq!(render(r#"[{{index .Nothing "k"}}]"#, row()), "[]\n");
    assert!(render_err("{{index .Names 5}}", row()).contains("index out of range: 5"));
    assert!(render_err(r#"{{index .Names "x"}}"#, row())
        .contains("cannot index slice/array with type string"));
}

#[test]
fn range_over_lists_and_maps() {
    assert_eq!(render("{{range .Names}}<{{.}}>{{end}}", row()), "<a><b>\n");
    assert_eq!(
        render("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", row()),
        "0=a 1=b \n"
    );
    assert_eq!(
        render("{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}", row()),
        "b=2 maintainer=me \n"
    );
    assert_eq!(
        render("{{range $v := .Labels}}{{$v}};{{end}}", row()),
        "2;me;\n"
    );
    assert_eq!(
        render("{{range .Nothing}}x{{else}}none{{end}}", row()),
        "none\n"
    );
    assert_eq!(
        render("{{range .Names}}{{$.Tag}}{{end}}", row()),
        "3.203.20\n"
    );
    let v = json!({"L": [1, 2, 3, 4]});
    assert_eq!(
        render(
            "{{range .L}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}",
            v
        ),
        "13\n"
    );
    assert!(render_err("{{range .Tag}}{{end}}", row()).contains("range can't iterate over 3.20"));
}

#[test]
fn if_else_and_go_truth() {
    let t = "{{if .X}}yes{{else}}no{{end}}";
    for (x, want) in [
        (json!(true), "yes"),
        (json!(false), "no"),
        (json!(0), "no"),
        (json!(0.0), "no"),
        (json!(2), "yes"),
        (json!(""), "no"),
        (json!("a"), "yes"),
        (json!([]), "no"),
        (json!([0]), "yes"),
        (json!({}), "no"),
        (json!({"a": 1}), "yes"),
        (Value::Null, "no"),
    ] {
        assert_eq!(render(t, json!({ "X": x })), format!("{want}\n"), "{x}");
    }
    let chain = "{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}";
    assert_eq!(render(chain, json!({"N": 2})), "two\n");
    assert_eq!(render(chain, json!({"N": 7})), "many\n");
    assert_eq!(
        render("{{with .Config}}{{.User}}{{else}}-{{end}}", row()),
        "root\n"
    );
    assert_eq!(
        render("{{with .Nothing}}{{.User}}{{else}}-{{end}}", row()),
        "-\n"
    );
    assert_eq!(
        render(
            "{{if and .Yes .Tag}}a{{end}}{{if or .Zero .Empty}}b{{end}}{{if not .Zero}}c{{end}}",
            row()
        ),
        "ac\n"
    );
    assert_eq!(render("{{or .Empty .Tag}}", row()), "3.20\n");
    assert_eq!(
        render(
            "{{if lt .Zero .Size}}lt{{end}} {{if ge .Tag \"3\"}}ge{{end}} {{ne .Tag .ID}}",
            row()
        ),
        "lt ge true\n"
    );
}

#[test]
fn string_functions_and_len() {
    assert_eq!(render(r#"{{join .Names ","}}"#, row()), "a,b\n");
    assert_eq!(
        render("{{upper .Tag}}{{lower \"AbC\"}}", row()),
        "3.20abc\n"
    );
    assert_eq!(
        render("{{.Repository | upper}}", row()),
        "DOCKER.IO/LIBRARY/ALPINE\n"
    );
    assert_eq!(
        render("{{len .Names}} {{len .Labels}} {{len .Tag}}", row()),
        "2 2 4\n"
    );
    assert_eq!(
        render(r#"{{title "hello big-world"}}"#, row()),
        "Hello Big-World\n"
    );
    assert_eq!(render(r#"{{split "a:b" ":"}}"#, row()), "[a b]\n");
    assert_eq!(
        render("{{truncate .ID 4}}|{{pad .Tag 1 2}}|", row()),
        "0123| 3.20  |\n"
    );
    assert_eq!(
        render("{{slice .ID 0 3}} {{slice .Names 1}}", row()),
        "012 [b]\n"
    );
    assert_eq!(render(r#"{{print "a" 1 2 "b"}}"#, row()), "a1 2b\n");
    assert_eq!(render(r#"{{println "a" 1}}"#, row()), "a 1\n\n");
    assert!(render_err("{{len .Size}}", row()).contains("len of type int"));
    assert!(render_err("{{upper}}", row()).contains("wrong number of args for upper: want 1 got 0"));
}

#[test]
fn printf_type_verb() {
    assert_eq!(
        render(
            r#"{{printf "%T %T %T" .A .B .C}}"#,
            json!({"A": 1, "B": "x", "C": [1]})
        ),
        "int string []interface {}\n"
    );
    assert_eq!(
        render(r#"{{printf "%T" .A}}"#, json!({"A": 1.5})),
        "float64\n"
    );
}

#[test]
fn printf_verbs() {
    assert_eq!(
        render(r#"{{printf "%s-%d-%v-%q" .Tag .Size .Yes .Tag}}"#, row()),
        "3.20-7800000-true-\"3.20\"\n"
    );
    assert_eq!(
        render(
            r#"{{printf "%-6s|%6s|%05d|%x|%.2f|%+d" "ab" "cd" 42 255 3.14159 5}}"#,
            row()
        ),
        "ab    |    cd|00042|ff|3.14|+5\n"
    );
    assert_eq!(render(r#"{{printf "%d%%" 5}}"#, row()), "5%\n");
    assert_eq!(render(r#"{{printf "%.3s" "abcdef"}}"#, row()), "abc\n");
    assert_eq!(render(r#"{{printf "%e" 1234.5}}"#, row()), "1.234500e+03\n");
    assert_eq!(
        render(
            r#"{{printf "%.3g|%.3g|%.2v" 3.14159 1234.5 0.000012}}"#,
            row()
        ),
        "3.14|1.23e+03|1.2e-05\n"
    );
    assert_eq!(render(r#"{{printf "%s" .Names}}"#, row()), "[a b]\n");
    assert_eq!(
        render(r#"{{printf "%q" "a\"b\n"}}"#, row()),
        "\"a\\\"b\\n\"\n"
    );
    // Mistakes are printed the way Go prints them.
    assert_eq!(render(r#"{{printf "%d" "x"}}"#, row()), "%!d(string=x)\n");
    assert_eq!(render(r#"{{printf "%s" 5}}"#, row()), "%!s(int=5)\n");
    assert_eq!(
        render(r#"{{printf "%s %s" "a"}}"#, row()),
        "a %!s(MISSING)\n"
    );
    assert_eq!(
        render(r#"{{printf "%s" "a" 1}}"#, row()),
        "a%!(EXTRA int=1)\n"
    );
    assert_eq!(render(r#"{{printf "%s" .Nothing}}"#, row()), "%!s(<nil>)\n");
    assert_eq!(render(r#"{{printf "50%"}}"#, row()), "50%!(NOVERB)\n");
    assert_eq!(
        render(r#"{{printf "%999999999999999d" 1}}"#, row()).len(),
        MAX_PAD + 1
    );
    assert_eq!(
        render(r#"{{.Size | printf "%s=%d" "size"}}"#, row()),
        "size=7800000\n"
    );
}

#[test]
fn variables_parens_literals_and_trim() {
    assert_eq!(
        render("{{$t := .Tag}}{{$t}}{{$t = \"x\"}}{{$t}}", row()),
        "3.20x\n"
    );
    assert_eq!(
        render("{{(index .Names 0) | upper}} {{(.Config).User}}", row()),
        "A root\n"
    );
    assert_eq!(
        render("{{ 0x1f }} {{-1}} {{1.5}} {{print nil}} {{true}}", row()),
        "31 -1 1.5 <nil> true\n"
    );
    assert_eq!(render("a  {{- .Tag -}}  b", row()), "a3.20b\n");
    assert_eq!(
        render("a {{/* comment */}}b{{- /* c */ -}} c", row()),
        "a bc\n"
    );
    assert_eq!(render("{{.Tag -}}", row()), "3.20");
}

#[test]
fn missing_fields() {
    // A struct (upper-case keys) has no such field: an error naming it.
    assert_eq!(
        render_err("{{.Foo}}", row()),
        "template \"{{.Foo}}\": can't evaluate field Foo at 2"
    );
    assert!(render_err("{{.Config.Nope}}", row()).contains("can't evaluate field Nope"));
    assert!(render_err("{{.Tag.X}}", row()).contains("can't evaluate field X in type string"));
    // In a map (labels) or below a nil, Go prints <no value>.
    assert_eq!(render("{{.Labels.nope}}", row()), "<no value>\n");
    assert_eq!(render("{{.Nothing.Deeper}}", row()), "<no value>\n");
    // Field names that differ only in case from the JSON key match it.
    assert_eq!(render("{{.Id}}", json!({"ID": "x"})), "x\n");
}

#[test]
fn table_header_and_alignment() {
    let rows = vec![
        json!({"Repository": "docker.io/library/alpine", "Tag": "latest", "ID": "0123456789ab", "CreatedAt": "now"}),
        json!({"Repository": "localhost/x", "Tag": "1", "ID": "ba9876543210", "CreatedAt": "then"}),
    ];
    let t = Template::parse(r"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}").unwrap();
    assert!(t.is_table());
    let headers = HashMap::from([("Repository", "REPOSITORY"), ("ID", "image id")]);
    assert_eq!(
        t.render_rows(&rows, &headers).unwrap(),
        "REPOSITORY                TAG         IMAGE ID      CREATED AT\n\
         docker.io/library/alpine  latest      0123456789ab  now\n\
         localhost/x               1           ba9876543210  then\n"
    );
    // With no rows the header is still printed, as Podman does.
    assert_eq!(
        t.render_rows(&[], &HashMap::new()).unwrap(),
        "REPOSITORY  TAG         ID          CREATED AT\n"
    );
    // Headers come from the field inside functions and control actions.
    let t =
        Template::parse("table {{upper .Name}}\t{{range .Names}}{{.}}{{end}}\t{{.Config.User}}")
            .unwrap();
    assert_eq!(t.header_row(&HashMap::new()), "NAME\tNAMES\tUSER\n");
    let t = Template::parse("table").unwrap();
    assert!(t.is_table() && t.is_empty());
}

#[test]
fn podman_table_expectations() {
    // From containers/common pkg/report formatter_test.go.
    let rows = [
        json!({"ID": "c061a0839e", "Value": "one"}),
        json!({"ID": "f10fc2e11057", "Value": "two"}),
        json!({"ID": "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "Value": "three"}),
    ];
    let headers = HashMap::from([("ID", "Identity"), ("Value", "Value")]);
    let t = Template::parse(r"table {{.ID}}\t{{.Value}}").unwrap();
    assert_eq!(
        t.render_rows(&rows, &headers).unwrap().to_lowercase(),
        "identity                          value\nc061a0839e                        one\n\
         f10fc2e11057                      two\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n"
    );
    assert_eq!(
        tabwrite("Value\tIdent\nIdentity\tID\nValue\tIdent\nc061a0839e\tIDf10fc2e11057\tID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n", 12, 2),
        "Value       Ident\nIdentity    ID\nValue       Ident\nc061a0839e  IDf10fc2e11057  ID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  ID\n"
    );
    // A non-table template is not aligned, and one that ranges over the
    // rows itself runs once over all of them.
    let t = Template::parse(r"{{.ID}}\t{{.Value}}").unwrap();
    assert_eq!(
        t.render_rows(&rows[..1], &headers).unwrap(),
        "c061a0839e\tone\n"
    );
    let t = Template::parse(r#"{{range .}}{{.ID}},{{end}}"#).unwrap();
    assert_eq!(
        t.render_rows(&rows, &headers).unwrap(),
        "c061a0839e,f10fc2e11057,1eb6fab5aa8f4b5cbfd3e66aa35e9b2a,\n"
    );
}

#[test]
fn header_names_split_on_camel_case() {
    for (field, header) in [
        ("ID", "ID"),
        ("CreatedAt", "CREATED AT"),
        ("ImageID", "IMAGE ID"),
        ("HTTPServer", "HTTP SERVER"),
        ("Fieldb", "FIELDB"),
        ("fieldC", "FIELD C"),
        ("Size2", "SIZE 2"),
        ("", ""),
    ] {
        assert_eq!(header_for(field), header, "{field}");
    }
}

#[test]
fn plain_table_aligner() {
    let rows = vec![
        vec![
            "docker.io/library/alpine".to_string(),
            "3.20".into(),
            "0123456789ab".into(),
        ],
        vec!["x".to_string(), "".into(), "".into()],
        vec!["tab\there".to_string(), "a\nb".into(), "z".into()],
    ];
    assert_eq!(
        table(&["REPOSITORY", "TAG", "IMAGE ID"], &rows),
        "REPOSITORY                TAG         IMAGE ID\n\
         docker.io/library/alpine  3.20        0123456789ab\n\
         x\n\
         tab here                  a b         z\n"
    );
    assert_eq!(
        table(&[], &[vec!["a".into(), "b".into()]]),
        "a           b\n"
    );
    assert_eq!(table(&["A"], &[]), "A\n");
}

#[test]
fn malformed_templates_are_errors_that_name_the_position() {
    assert_eq!(
        parse_err("{{.Foo"),
        "template \"{{.Foo\": unclosed action at 0"
    );
    assert_eq!(
        parse_err("ab{{nope .X}}"),
        "template \"ab{{nope .X}}\": function \"nope\" not defined at 4"
    );
    assert_eq!(
        parse_err(r"x\t{{$y}}"),
        "template \"x\\t{{$y}}\": undefined variable \"$y\" at 5"
    );
    assert_eq!(
        parse_err("table {{end}}"),
        "template \"table {{end}}\": unexpected {{end}} at 8"
    );
    for bad in [
        "{{if .X}}a",
        "{{range .X}}",
        "{{else}}",
        "{{if .X}}{{else}}{{else}}{{end}}",
        "{{}}",
        "{{if}}{{end}}",
        "{{.X | .Y}}",
        "{{\"a\" .X}}",
        "{{nil}}",
        "{{nil | print}}",
        "{{(.X}}",
        "{{.X)}}",
        "{{\"abc}}",
        "{{`abc}}",
        "{{\"\\z\"}}",
        "{{1x}}",
        "{{.X!}}",
        "{{: .X}}",
        "{{define \"x\"}}{{end}}",
        "{{template \"x\"}}",
        "{{break}}",
        "{{/* open",
        "{{/* c */ .X}}",
        "{{range $a, $b, $c := .X}}{{end}}",
        "{{$x = 1}}",
        "{{with .X}}{{else if .Y}}{{end}}",
        "{{.X.}}",
        "{{. .X}}",
    ] {
        assert!(Template::parse(bad).is_err(), "{bad}");
    }
    // Nesting beyond the limit is refused, not a stack overflow.
    let deep = "{{if 1}}".repeat(MAX_DEPTH + 1) + &"{{end}}".repeat(MAX_DEPTH + 1);
    assert!(parse_err(&deep).contains("nested too deeply"));
    let parens = format!("{{{{{}1{}}}}}", "(".repeat(500), ")".repeat(500));
    assert!(parse_err(&parens).contains("nested too deeply"));
}

#[test]
fn never_panics_on_any_template() {
    // A deterministic walk over templates built from the characters that
    // matter to the lexer and parser.
    let atoms = [
        "{{",
        "}}",
        "{{- ",
        " -}}",
        ".",
        ".A",
        ".B.C",
        "$",
        "$x",
        ":=",
        "=",
        ",",
        "|",
        "(",
        ")",
        " ",
        "\"",
        "`",
        "\\",
        "\\t",
        "\\n",
        "if ",
        "else ",
        "end",
        "range ",
        "with ",
        "break",
        "continue",
        "printf ",
        "\"%d %s %v %q\"",
        "index ",
        "len ",
        "json ",
        "join ",
        "1",
        "-",
        "0x",
        "1e",
        "/*",
        "*/",
        "é",
        "table ",
        "nil",
        "and ",
        "slice ",
    ];
    let data = json!({"A": [1, "x", null], "B": {"C": {"D": 1}}, "x": "y"});
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..30_000 {
        let mut t = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 12) as usize + 1;
        let mut s = seed;
        for _ in 0..len {
            t.push_str(atoms[(s % atoms.len() as u64) as usize]);
            s = s.rotate_left(7).wrapping_mul(0x2545_f491_4f6c_dd1d);
        }
        if let Ok(tpl) = Template::parse(&t) {
            let _ = tpl.render(&data);
            let _ = tpl.render_rows(&[data.clone(), Value::Null], &HashMap::new());
        }
    }
}
