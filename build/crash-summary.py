#!/usr/bin/env python3
"""Prints the crashing thread of each .NET crash report given: a test host that dies in native code prints nothing else."""
import json
import sys

for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)["payload"]
    except (OSError, ValueError, KeyError) as e:
        print(f"{path}: unreadable crash report ({e})")
        continue
    print(f"--- crash report {path} ({payload.get('process_name', '?')})")
    for thread in payload.get("threads", []):
        if thread.get("crashed") != "true":
            continue
        print(f"crashed thread {thread.get('native_thread_id')}: {thread.get('managed_exception_type') or 'no managed exception'}")
        for frame in thread.get("stack_frames", [])[:40]:
            if frame.get("is_managed") == "true":
                print(f"  {frame.get('method_name', '?')} [{frame.get('filename', '?')}]")
            else:
                print(f"  {frame.get('native_module', '?')}!{frame.get('unmanaged_name', frame.get('native_image_offset', '?'))}")
