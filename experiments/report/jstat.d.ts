/** The part of jstat (no published types) the report uses: Student's t quantile. */
declare module 'jstat' {
  const jstat: { jStat: { studentt: { inv(p: number, dof: number): number } } };
  export default jstat;
}
