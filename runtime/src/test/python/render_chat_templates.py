#!/usr/bin/env python3
"""Renders every chat template in ../shared/models/templates with Python's jinja2, set up exactly as Hugging Face
transformers' apply_chat_template sets it up, over a fixed set of conversations and template arguments, and writes
the results to runtime/src/test/resources/chat/expected.json. ChatTemplateFixtureTest renders the same cases with
io.srm4j.runtime.chat.ChatTemplate and demands identical strings (or an error where jinja2 raised one).

Usage (from the repository root):  python3 runtime/src/test/python/render_chat_templates.py
"""
import json
import pathlib
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parents[4]
TEMPLATES = ROOT.parent / "shared" / "models" / "templates"
OUT = ROOT / "runtime" / "src" / "test" / "resources" / "chat" / "expected.json"

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


def make_environment():
    """The environment of transformers' chat template utilities (_compile_jinja_template), with a fixed clock."""

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
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
    fixture = {
        "generator": "runtime/src/test/python/render_chat_templates.py",
        "jinja2_version": jinja2.__version__,
        "strftime_now": FIXED_NOW.isoformat(),
        "templates": {n: {"bos_token": SPECIAL_TOKENS[n][0], "eos_token": SPECIAL_TOKENS[n][1]} for n in names},
        "conversations": {k: {"messages": m, "extra": e} for k, (m, e) in CONVERSATIONS.items()},
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} raise) for {len(names)} templates to {OUT}")


if __name__ == "__main__":
    main()
