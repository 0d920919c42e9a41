#!/usr/bin/env bash
# Regenerates the demo prompts (8 kHz mono 16-bit WAV) with espeak-ng and sox from Debian.
# The output is committed so a site without these tools still has its prompts; rerun after
# changing a text. Usage: edge/prompts/generate.sh
set -euo pipefail
cd "$(dirname "$0")/demo"
say() { # id text
  espeak-ng -v en-us -s 150 -w "/tmp/hcc-prompt-$1.wav" "$2"
  sox "/tmp/hcc-prompt-$1.wav" -r 8000 -c 1 -b 16 -e signed-integer "$1.wav" norm -3
  rm -f "/tmp/hcc-prompt-$1.wav"
}
say welcome "Welcome to Acme."
say main-menu "For sales, press 1. For support, press 2."
say invalid "Sorry, that is not a valid choice."
say closed "Our offices are closed. Please call again during business hours. Goodbye."
say goodbye "Thank you for calling. Goodbye."
say recording-notice "This call may be recorded for quality purposes."
say queue-position "Your call is important to us. Please stay on the line."
say voicemail "Please leave a message after the tone."
# Music on hold: a gentle 16-second chord progression.
sox -n -r 8000 -c 1 -b 16 -e signed-integer moh.wav \
  synth 4 sine 261.63 sine 329.63 sine 392.00 : synth 4 sine 220.00 sine 261.63 sine 329.63 \
  : synth 4 sine 174.61 sine 220.00 sine 261.63 : synth 4 sine 196.00 sine 246.94 sine 293.66 \
  remix - fade t 0.2 0 0.2 vol 0.3
