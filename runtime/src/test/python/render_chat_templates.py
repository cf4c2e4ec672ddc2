#!/usr/bin/env python3
"""Renders chat templates with Python's jinja2, set up exactly as Hugging Face transformers' apply_chat_template sets
it up, and writes the results to runtime/src/test/resources/chat/expected.json:

- cases: every template in ../shared/models/templates over a fixed set of conversations, each with
  add_generation_prompt true/false and enable_thinking absent/true/false (ChatTemplateFixtureTest);
- gguf_cases: the templates embedded in ../shared/models/vocab/*.gguf, with bos/eos read from the file
  (ChatTemplateTest, through ChatTemplate.fromGguf);
- snippet_cases: small templates probing one jinja2 behaviour each (JinjaSnippetFixtureTest).

The Java tests render the same cases with io.srm4j.runtime.chat.ChatTemplate and demand identical strings (or an
error where jinja2 raised one).

Usage (from the repository root):  python3 runtime/src/test/python/render_chat_templates.py
"""
import json
import pathlib
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parents[4]
TEMPLATES = ROOT.parent / "shared" / "models" / "templates"
OUT = ROOT / "runtime" / "src" / "test" / "resources" / "chat" / "expected.json"
VOCABS = ROOT.parent / "shared" / "models" / "vocab"
sys.path.insert(0, str(ROOT.parent / "shared" / "tools"))
import gguf  # noqa: E402  (shared/tools/gguf.py: GGUF reader)

# Conversations also rendered with the templates embedded in GGUF files (ChatTemplate.fromGguf is checked on them).
GGUF_CONVERSATIONS = ["single_user", "system_multi_turn", "think_in_content", "unicode_and_quotes"]

# The date strftime_now() reports, so that fixtures are stable (the Java test pins its clock to the same instant).
FIXED_NOW = datetime(2025, 3, 7, 9, 5, 3)

# bos/eos token text of each model's tokenizer (tokenizer_config.json); "" where the model has none.
SPECIAL_TOKENS = {
    "HuggingFaceTB-SmolLM3-3B": ("", "<|im_end|>"),
    "Qwen-QwQ-32B": ("", "<|im_end|>"),
    "Qwen-Qwen2.5-7B-Instruct": ("", "<|im_end|>"),
    "Qwen-Qwen3-0.6B": ("", "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Llama-8B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "llama-cpp-deepseek-r1": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "google-gemma-2-2b-it": ("<bos>", "<eos>"),
    "meta-llama-Llama-3.1-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "microsoft-Phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city — in °C",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name, e.g. \"Paris\""}},
            "required": ["city"],
        },
    },
}

TOOL_CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}}

# name -> (messages, extra template arguments)
CONVERSATIONS = {
    "single_user": ([{"role": "user", "content": "Hello!"}], {}),
    "system_user": ([
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"},
    ], {}),
    "multi_turn": ([
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ], {}),
    "system_multi_turn": ([
        {"role": "system", "content": "Answer in one word. /think"},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "Of Italy?"},
    ], {}),
    "think_in_content": ([
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "<think>\nTwo plus two.\nThat is four.\n</think>\n\nThe answer is 4."},
        {"role": "user", "content": "Double it."},
    ], {}),
    "think_in_last_assistant": ([
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "<think>\nTwo plus two is four.\n</think>\n\nThe answer is 4."},
    ], {}),
    "reasoning_content": ([
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "The answer is 4.", "reasoning_content": "\nTwo plus two is four.\n"},
        {"role": "user", "content": "Double it."},
    ], {}),
    "reasoning_content_last": ([
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "The answer is 4.", "reasoning_content": "Two plus two is four."},
    ], {}),
    "unicode_and_quotes": ([
        {"role": "system", "content": "  Grüße, «système» — ½ \t"},
        {"role": "user", "content": "\u00a0 日本語 🤖 \"double\" 'single' \\back\\slash <b>&amp;</b> {{ not_a_var }} {% raw %}\n"},
        {"role": "assistant", "content": "\nΑπάντηση: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓\u3000"},
        {"role": "user", "content": "Ещё раз? It's \"fine\"."},
    ], {}),
    "whitespace_content": ([
        {"role": "user", "content": "\n\n  lots of space\t\n  "},
        {"role": "assistant", "content": "  \nreply\n\n"},
        {"role": "user", "content": " "},
    ], {}),
    "tool_call": ([
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "Weather in Zürich?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "content": "{\"temp_c\": 21, \"sky\": \"clear\"}"},
        {"role": "assistant", "content": "It is 21 °C and clear."},
        {"role": "user", "content": "Thanks"},
    ], {"tools": [WEATHER_TOOL]}),
    "tools_offered": ([
        {"role": "user", "content": "Weather in Zürich?"},
    ], {"tools": [WEATHER_TOOL]}),
}

THINKING = {"absent": None, "true": True, "false": False}

# Small templates probing one jinja2 behaviour each (whitespace control, Python methods, tests, precedence, ...),
# rendered with messages=[{"role": "user", "content": "Hi"}] and the variables given.
SNIPPETS = {
    "ws_lstrip_midline": ("{{ 'a' }} {% if true %}b{% endif %} {# c #}d", {}),
    "ws_lstrip_line_start": ("x\n   {% if true %}\n  y\n   {% endif %}\n\t{# note #}\nz", {}),
    "ws_minus_all": ("a  \n  {%- if true -%}  \n b \n {%- endif -%} \n c {{- ' d ' -}} e {#- x -#} f", {}),
    "ws_plus_keeps": ("a\n  {%+ if true +%}\nb\n  {%+ endif %}\nc", {}),
    "ws_expression_no_trim": ("{{ 'a' }}\n{{ 'b' }}\n  {{ 'c' }}", {}),
    "ws_trailing_newline_dropped": ("line\n", {}),
    "ws_crlf": ("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", {}),
    "ws_raw": ("a {% raw %} {{ x[::-1] }} {%- endraw %}\n b\n  {% raw -%}\n  c {% endraw %}\nd", {}),
    "ws_after_minus_newline_then_block": ("{% if true -%}\n   {% if true %}x{% endif %}{% endif %}", {}),
    "str_methods": ("{{ 'a.b.c'.split('.', 1) }}|{{ 'a.b.c'.rsplit('.', 1) }}|{{ ' a  b '.split() }}|"
                    "{{ '\u00a0 x \u3000'.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  hi'.lstrip() }}|{{ 'hi\n\n'.rstrip('\n') }}|"
                    "{{ 'abc'.startswith(('x', 'a')) }}|{{ 'abc'.endswith('bc') }}|{{ 'aaa'.replace('a', 'b', 2) }}|"
                    "{{ 'Hello wORLD'.upper() }}{{ 'Hello wORLD'.lower() }}|{{ 'hello wORLD x1y'.title() }}|"
                    "{{ 'hELLO'.capitalize() }}|{{ 'abcabc'.find('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.rfind('a') }}|"
                    "{{ 'abcabc'.count('b') }}|{{ '-'.join(['x', 'y']) }}|{{ '{}+{}={x}'.format(1, 2, x=3) }}|"
                    "{{ 'a\nb\r\nc'.splitlines() }}|{{ 'ab'.center(6, '*') }}|{{ '7'.zfill(3) }}", {}),
    "str_index_slice": ("{{ 'héllo'[1] }}{{ 'héllo'[-1] }}|{{ 'héllo'[1:3] }}|{{ 'héllo'[::-1] }}|{{ 'héllo'[::2] }}|"
                        "{{ 'héllo'|length }}{{ '🤖🤖'|length }}", {}),
    "list_slices": ("{{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[-2:] }}|{{ xs[::-1] }}|{{ xs[::2] }}|{{ xs[1::2] }}|{{ xs[3:0:-1] }}|"
                    "{{ xs[10:] }}|{{ xs[-10:2] }}", {"xs": [0, 1, 2, 3, 4]}),
    "dict_methods": ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.keys()|list }}|{{ d.values()|list }}|"
                     "{{ d.get('a') }}|{{ d.get('z', 'dflt') }}|{{ d.get('z') is none }}|{{ 'a' in d }}|{{ d|length }}",
                     {"d": {"a": 1, "b": [2, "x"]}}),
    "tests": ("{{ 'x' is string }}{{ 1 is string }}|{{ d is mapping }}{{ xs is mapping }}|{{ xs is sequence }}{{ 'x' is sequence }}|"
              "{{ 'x' is iterable }}{{ 1 is iterable }}|{{ none is none }}{{ 0 is none }}|{{ false is false }}{{ 0 is false }}|"
              "{{ true is true }}{{ 1 is true }}|{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}|{{ 1 is integer }}"
              "{{ 1.5 is float }}|{{ nope is defined }}{{ nope is undefined }}{{ d is defined }}|{{ 3 is odd }}{{ 4 is even }}|"
              "{{ 6 is divisibleby 3 }}|{{ 1 is eq 1.0 }}{{ 'a' is equalto 'a' }}{{ 1 is ne 'a' }}", {"d": {"a": 1}, "xs": [1]}),
    "not_precedence": ("{{ not x is defined }}|{{ not nope is defined }}|{{ not 1 == 2 }}|{{ not 'a' in 'abc' }}|"
                       "{{ 'a' not in 'abc' }}|{{ not xs|length == 1 }}|{{ not x and not nope }}|{{ not (x or nope) }}",
                       {"x": True, "xs": [1]}),
    "truthiness": ("{{ 'T' if 'false' else 'F' }}{{ 'T' if 0.5 else 'F' }}{{ 'T' if 0 else 'F' }}{{ 'T' if '' else 'F' }}"
                   "{{ 'T' if [] else 'F' }}{{ 'T' if {} else 'F' }}{{ 'T' if [0] else 'F' }}{{ 'T' if none else 'F' }}|"
                   "{% if 'False' %}T{% else %}F{% endif %}|{{ x or 'dflt' }}|{{ '' or 'dflt' }}|{{ 0 and 'y' }}",
                   {"x": "false"}),
    "printing": ("{{ true }}|{{ false }}|{{ [1, 'a', none, true, 1.5] }}|{{ {'k': 'v', 'n': [1]} }}|{{ 0.1 + 0.2 }}|"
                 "{{ 1e20 }}|{{ 1.0 }}|{{ 10 / 4 }}|{{ 7 // 2 }}|{{ 7 % 3 }}|{{ 2 ** 10 }}|{{ -3 }}|{{ 'a' ~ 1 ~ true }}|"
                 "{{ \"it's\" }}|{{ [\"it's\"] }}", {}),
    "tojson": ("{{ v|tojson }}|{{ v|tojson(indent=2) }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|"
               "{{ 'x'|tojson }}|{{ [1.0, 2.5e-7, 1e21, -0.0]|tojson }}|{{ {}|tojson(indent=4) }}|"
               "{{ ['é🤖\x7f', 1]|tojson(ensure_ascii=true) }}|{{ [1, {'a': 2}]|tojson(separators=(',', ':')) }}",
               {"v": {"s": "é \"q\" \\ \n\t\u0001 <&>", "n": [1, 2.5, True, None], "e": []}}),
    "loops": ("{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }};"
              "{% endfor %}|{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}"
              "{{ x }}{% endfor %}|{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}"
              "|{{ xs|first }}{{ xs|last }}{{ xs|join(',') }}{{ xs|reverse|list }}{{ xs|sort(reverse=true)|list }}",
              {"xs": [1, 2, 3, 4, 5]}),
    "namespace_and_set": ("{% set ns = namespace(n=xs|length - 1, found=false) %}{% for x in xs %}{% if x > 2 %}"
                          "{% set ns.found = true %}{% set ns.n = ns.n + x %}{% endif %}{% endfor %}{{ ns.n }} {{ ns.found }}"
                          "{% set y = 5 %}{% for x in xs %}{% set y = x %}{% endfor %} {{ y }}", {"xs": [1, 2, 3, 4]}),
    "macros_and_filters": ("{% macro m(a, b='d') %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}{{ m(2, b='x') }}|"
                           "{{ xs|map(attribute='n')|join(',') }}|{{ xs|selectattr('n', 'gt', 1)|map(attribute='n')|list }}|"
                           "{{ ['a', 'b', 'a']|unique|list }}|{{ [3, 1, 2]|max }}{{ [3, 1, 2]|min }}|{{ 'x'|default('d') }}{{ nope|default('d') }}"
                           "|{{ ' x '|trim }}|{{ 'ab'|upper }}|{{ 'a b'|replace(' ', '_') }}|{{ [1, 2]|sum }}|{{ 'a,b'.split(',')|length }}"
                           "|{{ 3.7|int }}{{ '4'|int + 1 }}|{{ 5|string ~ 'x' }}|{{ xs|length }}",
                           {"xs": [{"n": 1}, {"n": 2}, {"n": 3}]}),
    "conditional_expr": ("{{ 'a' if x else 'b' }}|{{ 'c' if not x }}|{{ 'd' if nope }}|{% set s = xs[0] if xs[0] == 1 else 0 %}{{ s }}",
                         {"x": True, "xs": [1]}),
    "loop_filter_and_vars": ("{% for m in ms if m.role != 'system' %}{{ loop.index }}:{{ m.role }}"
                             "{{ ',' if not loop.last }}{% endfor %}|{% for x in xs %}{{ loop.revindex }}{{ loop.revindex0 }}"
                             "{{ loop.cycle('a', 'b') }};{% endfor %}",
                             {"ms": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}], "xs": [5, 6, 7]}),
    "block_set_and_selectattr": ("{% set block %}x{{ 1 + 1 }}y{% endset %}{{ block }}|"
                                 "{{ ms|selectattr('role', 'equalto', 'user')|list|length }}|"
                                 "{{ ms|rejectattr('role', 'equalto', 'user')|map(attribute='role')|join(',') }}|"
                                 "{{ range(3)|list }}{{ range(1, 7, 2)|list }}",
                                 {"ms": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}]}),
    "number_filters": ("{{ '3'|int }}|{{ 'x'|int }}|{{ 2|float }}|{{ -2|abs }}|{{ 2.567|round(2) }}|{{ 7|string }}|"
                       "{{ 3 > 2 }}|{{ 10 / 2 }}|{{ 1 + 2.5 }}", {}),
    "is_not": ("{{ x is not none }}|{{ nope is not defined }}|{{ x is not string }}|{{ xs is not mapping }}",
               {"x": 1, "xs": []}),
    "multimodal_content": ("{% for m in ms %}{% if m.content is string %}{{ m.content }}{% else %}{% for c in m.content %}"
                           "{% if c.type == 'text' %}{{ c.text }}{% elif c['type'] == 'image' %}<img>{% endif %}{% endfor %}"
                           "{% endif %}|{% endfor %}",
                           {"ms": [{"role": "user", "content": "plain"},
                                   {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "what?"}]}]}),
    "string_filters": ("{{ 'a\nb'|replace('\n', ' ') }}|{{ 'x y z'|wordcount }}|{{ 'ab\ncd'|indent(2) }}|"
                       "{{ 'hello world'|title }}|{{ 'hello'|capitalize }}|{{ 'abc'|reverse }}|{{ 'a,b'|split(',') if false else 'n' }}|"
                       "{{ '%s-%d'|format('a', 3) }}|{{ 'ab'|first }}{{ 'ab'|last }}|{{ 'ab'|list }}", {}),
    "nested_access": ("{{ m.tool_calls[0].function.name }}|{{ m['tool_calls'][0]['function']['arguments']|tojson }}|"
                      "{{ m.missing }}|{{ m.get('missing', 'dflt') }}|{{ m.tool_calls|length }}",
                      {"m": {"tool_calls": [{"function": {"name": "f", "arguments": {"q": "x", "n": 1}}}]}}),
    "generation_block": ("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}A:{{ m.content }}\n"
                         "{% endgeneration %}{% else %}U:{{ m.content }}\n{% endif %}{% endfor %}",
                         {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
    "delimiters_in_strings": ("{{ '}}' }}|{{ \"{%\" }}|{% if '%}' == '%}' %}ok{% endif %}|{{ {'a': {'b': 1}} }}|"
                              "{{ {'a': {}} }}|{{ '{#' ~ '#}' }}|{% set d = {'k': {'n': [1, {'m': 2}]}} %}{{ d.k.n[1].m }}", {}),
    "string_ops": ("{{ 'ab' + 'cd' }}|{{ 'ab' * 2 }}|{{ 'b' in 'abc' }}|{{ 'ab' == 'ab' }}|{{ 'a' < 'b' }}|"
                   "{{ ('x', 'y')|join('-') }}|{{ xs + [3] }}|{{ 'x' if xs else 'y' }}", {"xs": [1, 2]}),
}


class AssistantTracker(Extension):
    """transformers' {% generation %} block (it records assistant token spans; rendering passes the body through)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    """The environment of transformers' chat template utilities (_compile_jinja_template), with a fixed clock."""

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = make_environment()
    names = sorted(p.stem for p in TEMPLATES.glob("*.jinja"))
    missing = [n for n in names if n not in SPECIAL_TOKENS]
    if missing:
        raise SystemExit(f"no bos/eos known for templates {missing}: add them to SPECIAL_TOKENS")
    cases = []
    for name in names:
        template = env.from_string((TEMPLATES / f"{name}.jinja").read_text(encoding="utf-8"))
        bos, eos = SPECIAL_TOKENS[name]
        for conversation, (messages, extra) in CONVERSATIONS.items():
            for add_generation_prompt in (True, False):
                for thinking, thinking_value in THINKING.items():
                    arguments = dict(extra)
                    if thinking_value is not None:
                        arguments["enable_thinking"] = thinking_value
                    case = {
                        "id": f"{name} | {conversation} | add_generation_prompt={add_generation_prompt}"
                              f" | enable_thinking={thinking}",
                        "template": name,
                        "conversation": conversation,
                        "add_generation_prompt": add_generation_prompt,
                        "extra": arguments,
                    }
                    try:
                        # transformers passes tools and documents explicitly (None when not given).
                        render_args = {"tools": None, "documents": None, **arguments}
                        case["expected"] = template.render(messages=messages, add_generation_prompt=add_generation_prompt,
                                                           bos_token=bos, eos_token=eos, **render_args)
                    except jinja2.exceptions.TemplateError as e:
                        case["error"] = f"{type(e).__name__}: {e}"
                    except Exception as e:  # a template bug, e.g. a TypeError on None: jinja2 raises, so must we
                        case["error"] = f"{type(e).__name__}: {e}"
                    cases.append(case)
    snippet_cases = []
    for name, (source, variables) in SNIPPETS.items():
        case = {"id": name, "template": source, "vars": variables}
        try:
            arguments = {"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": False,
                         "bos_token": "<s>", "eos_token": "</s>", "tools": None, "documents": None, **variables}
            case["expected"] = env.from_string(source).render(**arguments)
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
        snippet_cases.append(case)
    gguf_cases = []
    for path in sorted(VOCABS.glob("*.gguf")):
        kv = gguf.GGUFReader(str(path)).kv
        if "tokenizer.chat_template" not in kv:
            continue
        tokens = kv["tokenizer.ggml.tokens"]
        bos = tokens[int(kv["tokenizer.ggml.bos_token_id"])] if "tokenizer.ggml.bos_token_id" in kv else ""
        eos = tokens[int(kv["tokenizer.ggml.eos_token_id"])] if "tokenizer.ggml.eos_token_id" in kv else ""
        template = env.from_string(kv["tokenizer.chat_template"])
        for conversation in GGUF_CONVERSATIONS:
            messages, extra = CONVERSATIONS[conversation]
            case = {"id": f"{path.name} | {conversation}", "gguf": path.name, "conversation": conversation,
                    "bos_token": bos, "eos_token": eos}
            try:
                case["expected"] = template.render(messages=messages, add_generation_prompt=True, bos_token=bos,
                                                   eos_token=eos, tools=None, documents=None, **extra)
            except Exception as e:
                case["error"] = f"{type(e).__name__}: {e}"
            gguf_cases.append(case)
    fixture = {
        "generator": "runtime/src/test/python/render_chat_templates.py",
        "jinja2_version": jinja2.__version__,
        "strftime_now": FIXED_NOW.isoformat(),
        "templates": {n: {"bos_token": SPECIAL_TOKENS[n][0], "eos_token": SPECIAL_TOKENS[n][1]} for n in names},
        "conversations": {k: {"messages": m, "extra": e} for k, (m, e) in CONVERSATIONS.items()},
        "cases": cases,
        "gguf_cases": gguf_cases,
        "snippet_cases": snippet_cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} raise) for {len(names)} templates and {len(gguf_cases)} GGUF cases to {OUT}")


if __name__ == "__main__":
    main()
