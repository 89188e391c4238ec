/**
 * Pre-activation ResNets of CIFAR depth with the Early-Bird paper's initialisation: preresnet20,
 * preresnet56 and preresnet110 (3, 9 and 18 basic blocks per stage; 6n + 2 weighted layers).
 *
 * The architecture is resnet-s's (basic blocks, src/models/resnet.ts) at a fixed depth. The paper
 * trains PreResNet-101, a bottleneck network (the reference code's models/preresnet.py, from network
 * slimming); these basic-block depths are the CIFAR ResNets of He et al. that the pruning literature
 * also reports, and the ones surgery here handles (every block's inner channels). The weights start
 * as the reference code's do (see `Initialisation`): conv He-normal over the fan-out, γ = 0.5.
 */
import type { ModelDefinition } from './definition.ts';
import { buildPreActivationResNet, preActivationPlan } from './resnet.ts';
import type { ModelName } from './types.ts';

const PAPER_INIT = { convFan: 'fanOut', gamma: 0.5 } as const;

function preResNet(name: ModelName, depth: number): ModelDefinition {
  const blocks = (depth - 2) / 6;
  return {
    name,
    summary: `${name}: pre-activation ResNet-${depth} for CIFAR, 3 stages (16/32/64 ch) of ${blocks} basic blocks, Early-Bird reference initialisation`,
    defaultDepth: null,
    minInputSize: { size: 1, reason: `${name} needs a non-empty input` },
    defaultPlan: (spec) => preActivationPlan(spec, blocks),
    build: (spec, plan) => buildPreActivationResNet(spec, plan, blocks, PAPER_INIT),
  };
}

export const preresnet20 = preResNet('preresnet20', 20);
export const preresnet56 = preResNet('preresnet56', 56);
export const preresnet110 = preResNet('preresnet110', 110);
