/**
 * JUnit XML of a grade result (`kata grade --junit FILE`), the format GitHub Actions test reporters,
 * GitLab CI (artifacts:reports:junit) and GitHub Classroom show natively.
 *
 *   <testsuites name="kata grade" tests failures time>
 *     <testsuite name="01-build-model" tests failures errors="0" skipped time timestamp>   one per kata
 *       <properties><property name="course.fingerprint" value="…"/><property name="status" value="…"/></properties>
 *       <testcase classname="01-build-model" name="describe › test title" time/>           one per test
 *       <testcase …><failure message="first line" type="AssertionError">the message</failure></testcase>
 *
 * A kata whose status is "tests modified", "does not load", "missing", "crashed", "timed out" or "type error" is ONE failing testcase named
 * after that status, carrying the reason (its individual results are not reported as passes).
 * A "caught up" kata (the reference files in place) is ONE skipped testcase `<kata>: caught up`: neither
 * the learner's pass nor their failure; learner files identical to the solution are a property
 * `identical.to.solution`.
 * No XML library is installed: the five entities and the characters XML 1.0 forbids are handled here.
 */
import { firstErrorLine, scoreOf, type GradeResult, type KataGrade } from './grade.js';
import { trimFailure } from './vitest.js';

/** Escapes text for an attribute value or element content; drops characters XML 1.0 cannot hold. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

/** The failure type of a kata that is one failing testcase (its status). */
const JUNIT_TYPE: Record<string, string> = {
  'does not load': 'LoadError',
  missing: 'MissingFile',
  'tests modified': 'TestsModified',
  crashed: 'Crashed',
  'timed out': 'TimedOut',
  'type error': 'TypeError',
  'not type-checked': 'NotTypeChecked',
};

function errorType(message: string): string {
  return /^\s*([A-Za-z]*Error)\b/.exec(message)?.[1] ?? 'Error';
}

function suite(k: KataGrade, result: GradeResult, root: string, timestamp: string): string[] {
  const props = [
    `      <property${attrs({ name: 'status', value: k.status })}/>`,
    `      <property${attrs({ name: 'course.fingerprint', value: result.course.fingerprint ?? 'none' })}/>`,
    ...(k.identicalToSolution ? [`      <property${attrs({ name: 'identical.to.solution', value: k.identicalToSolution.join(' ') })}/>`] : []),
  ];
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  if (k.status === 'passed' || k.status === 'failed') {
    for (const t of k.results) {
      const name = [...t.ancestorTitles.slice(1), t.title].join(' › ');
      const time = ((t as { duration?: number | null }).duration ?? 0) / 1000;
      const open = `    <testcase${attrs({ classname: k.name, name, time: time.toFixed(3) })}`;
      if (t.status === 'passed') {
        cases.push(`${open}/>`);
      } else if (t.status === 'failed') {
        failures++;
        const msg = trimFailure((t.failureMessages ?? []).join('\n'), root, 40);
        cases.push(`${open}>`, `      <failure${attrs({ message: firstErrorLine(msg, root, false), type: errorType(msg) })}>${xmlEscape(msg)}</failure>`, '    </testcase>');
      } else {
        skipped++;
        cases.push(`${open}>`, '      <skipped/>', '    </testcase>');
      }
    }
    if (k.status === 'failed' && failures === 0) {
      // every test passed but the file reported an error (e.g. in an afterAll hook)
      failures++;
      cases.push(`    <testcase${attrs({ classname: k.name, name: `${k.name}: the test file ran without errors`, time: '0' })}>`, `      <failure${attrs({ message: k.message ?? '', type: 'Error' })}>${xmlEscape(k.message ?? '')}</failure>`, '    </testcase>');
    }
  } else if (k.status === 'caught up') {
    // The reference files: neither the learner's pass nor a failure of theirs.
    skipped = 1;
    cases.push(`    <testcase${attrs({ classname: k.name, name: `${k.name}: caught up`, time: k.seconds.toFixed(3) })}>`, `      <skipped${attrs({ message: `caught up: ${k.message ?? ''}` })}/>`, '    </testcase>');
  } else {
    failures = 1;
    const message = `${k.status}: ${k.message ?? ''}`;
    cases.push(
      `    <testcase${attrs({ classname: k.name, name: `${k.name}: ${k.status}`, time: k.seconds.toFixed(3) })}>`,
      `      <failure${attrs({ message, type: JUNIT_TYPE[k.status] ?? 'Error' })}>${xmlEscape(message)}</failure>`,
      '    </testcase>',
    );
  }
  const tests = cases.filter((c) => c.startsWith('    <testcase')).length;
  return [
    `  <testsuite${attrs({ name: k.name, tests, failures, errors: 0, skipped, time: k.seconds.toFixed(3), timestamp })}>`,
    '    <properties>',
    ...props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ];
}

/** The JUnit XML document of a grade result. `root` shortens paths in failure messages. */
export function toJunit(result: GradeResult, root: string, now = new Date()): string {
  const timestamp = now.toISOString().replace(/\.\d{3}Z$/, '');
  const suites = result.katas.map((k) => suite(k, result, root, timestamp));
  const count = (re: RegExp) => suites.reduce((a, s) => a + Number(re.exec(s[0]!)?.[1] ?? 0), 0);
  const s = scoreOf(result);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `kata grade: ${s.passed}/${s.total} katas passed`, tests: count(/ tests="(\d+)"/), failures: count(/ failures="(\d+)"/), errors: 0, time: result.seconds.toFixed(3) })}>`,
    ...suites.flat(),
    '</testsuites>',
    '',
  ].join('\n');
}
