/** One broken rule on one object, worded for the person who has to fix the manifest. */
export interface Problem {
  rule: string;
  object: string;
  message: string;
}

export function formatProblems(problems: Problem[]): string {
  return problems
    .map((problem) => `[${problem.rule}] ${problem.object}: ${problem.message}`)
    .join('\n');
}
