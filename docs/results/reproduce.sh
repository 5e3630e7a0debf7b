#!/usr/bin/env bash
# Re-runs every study in docs/RESULTS.md and copies its figures and summary
# beside it. Needs the data sets in ../shared/data (see the README there).
# Usage, from the repository root: docs/results/reproduce.sh [NAME ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data
cargo build --release --example paper

study() {
    local name=$1
    shift
    echo "== $name"
    # 199 random orders per scope: the smallest p-value, 1/200, passes a
    # Bonferroni correction over a scope's 8 orders at α = 0.05.
    /usr/bin/time -f "$name: %e s wall, %U s user" target/release/examples/paper "$@" --seeds 199 --out "target/paper/$name"
    mkdir -p "docs/results/$name"
    cp target/paper/"$name"/*.svg target/paper/"$name"/*.png target/paper/"$name"/summary.md "docs/results/$name/"
    if [ -f target/paper/"$name"/pairs.md ]; then
        # The pair maps are ~0.9 MB each: only the curves and the maps of the
        # layers RESULTS.md (g) discusses are kept beside the summary.
        mkdir -p "docs/results/$name/pairs"
        cp target/paper/"$name"/pairs.md "docs/results/$name/"
        cp target/paper/"$name"/pairs/curves_pairs_layer*.svg "docs/results/$name/pairs/"
        for layer in ${PAIR_MAPS[$name]:-}; do
            for map in synergy_broja red_broja interaction_accuracy; do
                cp target/paper/"$name"/pairs/map_${map}_layer$layer.svg "docs/results/$name/pairs/"
            done
        done
    fi
}

# Layers whose pair maps are kept (the layers where the curves suggested redundancy or synergy).
declare -A PAIR_MAPS=([mnist-relu]=0 [fashion-tanh]="1 2")

wanted() { [ $# -eq 0 ] || [[ " $* " == *" $NAME "* ]]; }

for NAME in mnist-relu mnist-relu-mean mnist-tanh fashion-relu fashion-tanh cifar-relu cifar-tanh \
    mnist-sigmoid mnist-sigmoid-mean; do
    wanted "$@" || continue
    case $NAME in
    mnist-relu) study $NAME --data $DATA/mnist --act relu --pairs ;;
    mnist-relu-mean) study $NAME --data $DATA/mnist --act relu --model target/paper/mnist-relu/model.safetensors --value mean ;;
    mnist-tanh) study $NAME --data $DATA/mnist --act tanh ;;
    fashion-relu) study $NAME --data $DATA/fashion-mnist --dataset fashion-mnist --act relu --pairs ;;
    fashion-tanh) study $NAME --data $DATA/fashion-mnist --dataset fashion-mnist --act tanh --pairs ;;
    cifar-relu) study $NAME --data $DATA/cifar-10-subset --dataset cifar10 --act relu ;;
    cifar-tanh) study $NAME --data $DATA/cifar-10-subset --dataset cifar10 --act tanh ;;
    mnist-sigmoid) study $NAME --data $DATA/mnist --act sigmoid --hidden 100,100 --pairs ;;
    mnist-sigmoid-mean) study $NAME --data $DATA/mnist --act sigmoid --hidden 100,100 --model target/paper/mnist-sigmoid/model.safetensors --value mean ;;
    esac
done
