#!/usr/bin/env bash
# Prints the core configurations whose Verilog must stay byte-identical
# across refactors: every shipped example and the configurations the test
# suites generate (ternary-gemv knobs × shapes, registered terms, lut-gemm g × format × mode ×
# storage × shapes, the mac-gemv co-simulation shapes, mx-dot format pairs). One `lutforge gen`
# argument list per line; tests/verilog_hashes.rs regenerates each and
# compares the SHA-256 of NAME.v against tests/data/verilog_hashes.txt.
#   bash scripts/verilog_configs.sh > tests/data/verilog_configs.txt
set -euo pipefail
cd "$(dirname "$0")/.."
for ex in examples/*.toml; do
    kind=$(sed -n 's/^core = "\(.*\)"/\1/p' "$ex")
    echo "$kind --config $ex"
done
for neg in nneg negate; do for tree in add2 add3; do for pk in codes base3 i2s; do for sl in 1 2 3; do
    for shape in "1 1 7 8 4" "1 3 16 8 3" "2 2 11 4 5" "1 2 13 16 2" "3 1 5 2 6" "1 1 1 8 3"; do
        read -r m n k a b <<<"$shape"
        echo "ternary-gemv --name tern --m $m --n $n --k $k --act-bits $a --max-beats $b --stage-levels $sl --negation $neg --tree $tree --w-packing $pk"
    done
done; done; done; done
for form in "nneg add2 codes 2" "negate add3 i2s 1"; do
    read -r neg tree pk sl <<<"$form"
    for shape in "1 1 7 8 4" "1 3 16 8 3" "2 2 11 4 5" "1 2 13 16 2" "3 1 5 2 6" "1 1 1 8 3"; do
        read -r m n k a b <<<"$shape"
        echo "ternary-gemv --name tern --m $m --n $n --k $k --act-bits $a --max-beats $b --stage-levels $sl --negation $neg --tree $tree --w-packing $pk --input-register terms"
    done
done
for storage in registers lutram; do for g in 2 3 4 5 6; do
    for fmt in "binary 1" "ternary 2" "int 2" "int 3" "int 4"; do
        read -r f wb <<<"$fmt"
        for serial in false true; do
            for shape in "1 3 $((2 * g)) 8 4 1" "2 2 $((3 * g - 1)) 5 3 2"; do
                read -r m n k a b sl <<<"$shape"
                pad=false; if [ $((k % g)) -ne 0 ]; then pad=true; fi
                echo "lut-gemm --name lut --m $m --n $n --k $k --act-bits $a --w-format $f --w-bits $wb --max-beats $b --stage-levels $sl --group $g --pad-k $pad --bit-serial $serial --table-storage $storage"
            done
        done
    done
done; done
for shape in "mac_k16 1 4 16 8 4 8 2" "mac_k7 1 3 7 8 8 5 1" "mac_m3 3 2 5 4 2 3 3" "mac_a6w7 2 1 9 6 7 4 2" "mac_tiny 1 1 2 4 2 2 1" "mac_k1 1 2 1 5 3 3 1"; do
    read -r name m n k a wb b sl <<<"$shape"
    echo "mac-gemv --name $name --m $m --n $n --k $k --act-bits $a --w-format int --w-bits $wb --max-beats $b --stage-levels $sl"
done
for cfg in "mxint8 mxint8 1 fixed" "mxint8 mxfp4-e2m1 1 fixed" "mxfp8-e4m3 mxfp8-e5m2 1 fixed" "mxfp6-e3m2 mxfp6-e2m3 1 fixed" "mxfp4-e2m1 mxfp4-e2m1 1 fp32" "mxint8 mxfp8-e4m3 2 fp32"; do
    read -r af wf m out <<<"$cfg"
    echo "mx-dot --name mx --m $m --n 2 --k 16 --block 8 --max-beats 4 --act-format $af --w-format $wf --out-format $out"
done
