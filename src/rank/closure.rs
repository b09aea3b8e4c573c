//! Walks over graphs whose nodes are integer ids (the crates of the site, or
//! of the database dump): the nodes reachable from one node. The visited set
//! is kept per thread and cleared by a generation stamp, so a walk costs
//! what it reaches, not the size of the graph.

use std::cell::RefCell;

#[derive(Default)]
struct Scratch {
    /// The generation in which each node was last reached.
    stamp: Vec<u32>,
    generation: u32,
    queue: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Calls `visit` once for every node reachable from `start` through the
/// edges `next` gives (each node's successors), `start` itself excepted.
/// `nodes` is the number of nodes of the graph. The order of the visits is
/// breadth-first.
pub(super) fn reach<I>(
    nodes: usize,
    start: u32,
    next: impl Fn(u32) -> I,
    mut visit: impl FnMut(u32),
) where
    I: IntoIterator<Item = u32>,
{
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let Scratch {
            stamp,
            generation,
            queue,
        } = &mut *s;
        if stamp.len() < nodes {
            stamp.resize(nodes, 0);
        }
        *generation = generation.wrapping_add(1);
        if *generation == 0 {
            stamp.fill(0);
            *generation = 1;
        }
        let g = *generation;
        stamp[start as usize] = g;
        queue.clear();
        queue.push(start);
        let mut head = 0;
        while let Some(&n) = queue.get(head) {
            head += 1;
            for m in next(n) {
                if stamp[m as usize] != g {
                    stamp[m as usize] = g;
                    queue.push(m);
                    visit(m);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reached(edges: &[Vec<u32>], start: u32) -> Vec<u32> {
        let mut out = Vec::new();
        reach(
            edges.len(),
            start,
            |n| edges[n as usize].iter().copied(),
            |n| out.push(n),
        );
        out.sort_unstable();
        out
    }

    #[test]
    fn walks_reach_each_node_once_and_forget_the_previous_walk() {
        // 0 -> 1 -> 2 -> 0 (a cycle), 1 -> 3, 4 alone, 3 -> 3.
        let edges = vec![vec![1], vec![2, 3], vec![0], vec![3], vec![]];
        assert_eq!(reached(&edges, 0), vec![1, 2, 3]);
        assert_eq!(reached(&edges, 2), vec![0, 1, 3]);
        assert_eq!(reached(&edges, 3), Vec::<u32>::new());
        assert_eq!(reached(&edges, 4), Vec::<u32>::new());
        // A larger graph after a smaller one, and a smaller one again.
        let chain: Vec<Vec<u32>> = (0..100u32)
            .map(|i| if i < 99 { vec![i + 1] } else { vec![] })
            .collect();
        assert_eq!(reached(&chain, 0).len(), 99);
        assert_eq!(reached(&edges, 1), vec![0, 2, 3]);
    }
}
