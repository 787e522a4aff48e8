/**
 * Membership inference by distance to the closest synthetic record: the full
 * black-box attack of Chen et al. ("GAN-Leaks", CCS 2020), scored as Yeom et
 * al. (CSF 2018) define a membership attacker's advantage.
 */
/**
 * The distance-to-closest-record attack's advantage and AUC: members should be
 * closer to the synthetic windows than non-members. Advantage = max over
 * thresholds d of P(member distance ≤ d) − P(non-member distance ≤ d); AUC =
 * P(member distance < non-member distance) + ½ P(tie).
 */
export function membershipInference(
  members: Float64Array,
  nonMembers: Float64Array,
): { advantage: number; auc: number } {
  const all = [...Array.from(members, (d) => ({ d, m: 1 })), ...Array.from(nonMembers, (d) => ({ d, m: 0 }))].sort(
    (a, b) => a.d - b.d,
  );
  let tp = 0;
  let fp = 0;
  let advantage = 0;
  let wins = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let tm = 0;
    let tn = 0;
    while (j < all.length && all[j]!.d === all[i]!.d) {
      if (all[j]!.m) tm++;
      else tn++;
      j++;
    }
    // member distances tied with non-member ones count half
    wins += tm * (nonMembers.length - fp - tn) + 0.5 * tm * tn;
    tp += tm;
    fp += tn;
    advantage = Math.max(advantage, tp / members.length - fp / nonMembers.length);
    i = j;
  }
  return { advantage, auc: wins / (members.length * nonMembers.length) };
}
